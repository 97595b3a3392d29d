/* The login page's script: the language switch and POST /api/v1/login; on success the
 * browser goes to /staff, or to /admin when ?next=admin sent it here (the session cookie is
 * set by central, HttpOnly). */
"use strict";

(function () {
	const $ = (id) => document.getElementById(id);

	async function setLang(lang) {
		await Ank.loadLang(lang);
		Ank.applyTexts(document);
		document.querySelectorAll("[data-lang]").forEach((b) =>
			b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === Ank.lang)));
	}

	async function submit(ev) {
		ev.preventDefault();
		const err = $("login-error");
		err.textContent = "";
		const user = $("login-user").value.trim(), password = $("login-password").value;
		if (!user || !password) {
			err.textContent = Ank.t("console.login.missing");
			return;
		}
		let r;
		try {
			r = await Ank.api("POST", "/api/v1/login", {user: user, password: password});
		} catch (e) {
			err.textContent = Ank.t("console.conn.lost");
			return;
		}
		if (r.ok) {
			/* Back to the page that sent here: the admin console asks with ?next=admin. */
			const next = new URLSearchParams(location.search).get("next");
			window.location.assign(next === "admin" ? "/admin" : "/staff");
			return;
		}
		$("login-password").value = "";
		if (r.status === 401)
			err.textContent = Ank.t("console.login.wrong");
		else if (r.status === 429)
			err.textContent = Ank.tn("console.login.wait", Number(r.headers.get("Retry-After") || 30),
			                         {seconds: r.headers.get("Retry-After") || "30"});
		else
			err.textContent = Ank.t("console.error", {reason: Ank.errorText(r)});
	}

	document.addEventListener("DOMContentLoaded", () => {
		document.querySelectorAll("[data-lang]").forEach((b) =>
			b.addEventListener("click", () => {
				Ank.rememberLang(b.getAttribute("data-lang"));
				setLang(b.getAttribute("data-lang"));
			}));
		$("login-form").addEventListener("submit", submit);
		setLang(Ank.chosenLang()).then(() => $("login-user").focus());
	});
})();
