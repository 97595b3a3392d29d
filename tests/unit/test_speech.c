/* Unit tests for the spoken prompts (kiosk/speech) with the real libespeak-ng: every
 * shipped language says a screen's prompt from its catalog into a WAV file, loud enough, as
 * long as the text makes plausible and in its own voice; a voice that does not exist falls
 * back to the chime and says so in the log; queued utterances never overlap. */
#include "testlib.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ank_i18n.h"
#include "speech.h"

static const char *const langs[] = {"da", "en", "sv", "kl", "pl", "ro", "lt", "ru", "ar", "fa"};
#define N_LANGS ((int)(sizeof langs / sizeof langs[0]))

/* Loud enough to be speech, not noise or silence: espeak-ng at volume 100 gives an RMS of
 * a few thousand; silence is 0 and dither would be below 50. */
#define MIN_RMS 500.0
/* Milliseconds of audio per letter (code points that are not spaces or punctuation) at
 * espeak-ng's normal 175 words a minute. Measured on the welcome prompt: 65-87 ms in the Latin
 * and Cyrillic languages, 113-124 ms in Arabic and Persian, whose script leaves short
 * vowels unwritten. The bounds are about half and twice that: an utterance cut off, or one
 * stuck repeating or padded with silence, falls outside. */
#define MIN_MS_PER_LETTER 25
#define MAX_MS_PER_LETTER 220

static ank_i18n *catalogs(void)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/i18n", getenv("ANK_SOURCE_DIR"));
	ank_i18n *i;
	ank_err err;
	if (ank_i18n_load(dir, &i, &err))
		fail_msg("%s", err.msg);
	return i;
}

static int letters(const char *t)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if ((*p & 0xC0) != 0x80 && *p != ' ' && *p != '.' && *p != ',' && *p != '!' &&
		    *p != '?' && *p != '-')
			n++;
	return n;
}

static ank_speech *open_speech(const char *wav_dir, const ank_speech_voice *v, int nv)
{
	ank_speech_opts o = {.rate = ANK_SPEECH_RATE_DEFAULT,
	                     .volume = ANK_SPEECH_VOL_DEFAULT,
	                     .voices = v,
	                     .n_voices = nv,
	                     .langs = langs,
	                     .n_langs = N_LANGS,
	                     .wav_dir = wav_dir};
	ank_speech *s;
	ank_err err;
	if (ank_speech_open(&o, &s, &err))
		fail_msg("%s", err.msg);
	return s;
}

/* Reads a WAV file's header and samples back: 16-bit PCM mono at espeak's rate. */
static int16_t *read_wav(const char *path, size_t *n, int *rate)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	unsigned char h[44];
	assert_int_equal(fread(h, 1, 44, f), 44);
	assert_memory_equal(h, "RIFF", 4);
	assert_memory_equal(h + 8, "WAVEfmt ", 8);
	assert_int_equal(h[20] | h[21] << 8, 1);  /* PCM */
	assert_int_equal(h[22] | h[23] << 8, 1);  /* mono */
	assert_int_equal(h[34] | h[35] << 8, 16); /* 16-bit */
	*rate = (int)(h[24] | h[25] << 8 | h[26] << 16 | (unsigned)h[27] << 24);
	size_t bytes = (size_t)(h[40] | h[41] << 8 | h[42] << 16 | (unsigned)h[43] << 24);
	*n = bytes / 2;
	int16_t *p = malloc(bytes + 2);
	unsigned char *raw = malloc(bytes + 2);
	assert_int_equal(fread(raw, 1, bytes, f), bytes);
	for (size_t i = 0; i < *n; i++)
		p[i] = (int16_t)(raw[2 * i] | raw[2 * i + 1] << 8);
	free(raw);
	fclose(f);
	return p;
}

/* The welcome screen's prompt in each language, from the catalogs as the kiosk shows it,
 * written to WAV by the worker and read back. */
static void test_each_language_speaks_its_prompt(void **state)
{
	(void)state;
	char dir[] = "/tmp/ank-speech-XXXXXX";
	assert_non_null(mkdtemp(dir));
	ank_i18n *cat = catalogs();
	ank_speech *s = open_speech(dir, NULL, 0);
	char text[N_LANGS][600];
	for (int i = 0; i < N_LANGS; i++) {
		assert_true(ank_speech_has_voice(s, langs[i]));
		snprintf(text[i], sizeof text[i], "%s. %s",
		         ank_i18n_get(cat, langs[i], "welcome.title"),
		         ank_i18n_get(cat, langs[i], "welcome.subtitle"));
		assert_int_equal(ank_speech_say(s, langs[i], text[i], 1000), 0);
	}
	ank_speech_drain(s);
	assert_int_equal(ank_speech_count(s), N_LANGS);
	for (int i = 0; i < N_LANGS; i++) {
		ank_speech_entry e;
		assert_int_equal(ank_speech_entry_get(s, i, &e), 0);
		assert_string_equal(e.lang, langs[i]);
		/* The voice is the language's own: espeak-ng's identifier is "family/LANG". */
		const char *slash = strrchr(e.voice, '/');
		assert_non_null(slash);
		assert_int_equal(strncmp(slash + 1, langs[i], 2), 0);
		char path[700];
		snprintf(path, sizeof path, "%s/%03d-%s.wav", dir, i + 1, langs[i]);
		size_t n;
		int rate;
		int16_t *pcm = read_wav(path, &n, &rate);
		assert_int_equal(rate, ank_speech_rate(s));
		assert_int_equal(n, e.samples);
		double sum = 0;
		for (size_t k = 0; k < n; k++)
			sum += (double)pcm[k] * pcm[k];
		double rms = n ? sqrt(sum / (double)n) : 0;
		long ms = (long)(n * 1000 / (size_t)rate);
		int nl = letters(text[i]);
		printf("# %s %-8s %5ld ms %3d letters %3ld ms/letter rms %.0f\n", langs[i], e.voice,
		       ms, nl, ms / nl, rms);
		assert_true(rms > MIN_RMS);
		assert_true(ms >= (long)nl * MIN_MS_PER_LETTER);
		assert_true(ms <= (long)nl * MAX_MS_PER_LETTER);
		free(pcm);
		unlink(path);
	}
	ank_speech_close(s);
	ank_i18n_free(cat);
	char tsv[700];
	snprintf(tsv, sizeof tsv, "%s/speech.tsv", dir);
	unlink(tsv);
	rmdir(dir);
}

/* A voice espeak-ng does not have: the language answers 1 (the caller chimes), the log
 * says which voice and language, and the other languages still speak. */
static void test_bogus_voice_falls_back_to_chime(void **state)
{
	(void)state;
	char log[] = "/tmp/ank-speech-log-XXXXXX";
	int fd = mkstemp(log);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	ank_speech_voice v[] = {{.lang = "da", .voice = "nosuch-voice", .volume = -1}};
	ank_speech *s = open_speech(NULL, v, 1);
	int rc = ank_speech_say(s, "da", "Velkommen", 0);
	int en = ank_speech_say(s, "en", "Welcome", 0);
	ank_speech_drain(s);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(rc, 1);
	assert_int_equal(en, 0);
	assert_false(ank_speech_has_voice(s, "da"));
	assert_int_equal(ank_speech_count(s), 1);
	char buf[4096] = "";
	lseek(fd, 0, SEEK_SET);
	ssize_t got = read(fd, buf, sizeof buf - 1);
	buf[got > 0 ? got : 0] = '\0';
	close(fd);
	unlink(log);
	assert_non_null(strstr(buf, "nosuch-voice"));
	assert_non_null(strstr(buf, "language da"));
	assert_non_null(strstr(buf, "chime"));
	ank_speech_close(s);
}

/* Chime, then announcements, asked for all at once and again before the first ends: each
 * starts when the one before ends, in the order asked, and none overlaps. */
static void test_queue_never_overlaps(void **state)
{
	(void)state;
	ank_speech *s = open_speech(NULL, NULL, 0);
	int16_t tone[11025] = {0};
	for (int i = 0; i < 11025; i++)
		tone[i] = (int16_t)((i % 50) * 200 - 5000);
	for (int call = 0; call < 2; call++) {
		int64_t at = 1000 + call * 300; /* the second call before the first is said */
		assert_int_equal(ank_speech_tone(s, tone, 11025, at), 0);
		assert_int_equal(ank_speech_say(s, "da", "Billet I 014, plads 3", at), 0);
		assert_int_equal(ank_speech_say(s, "en", "Ticket I 014, station 3", at), 0);
	}
	ank_speech_drain(s);
	assert_int_equal(ank_speech_count(s), 6);
	int64_t end = 0;
	for (int i = 0; i < 6; i++) {
		ank_speech_entry e;
		assert_int_equal(ank_speech_entry_get(s, i, &e), 0);
		assert_int_equal(e.chime, i % 3 == 0);
		assert_true(e.start_ms >= e.asked_ms);
		assert_true(e.start_ms >= end);
		assert_true(e.end_ms > e.start_ms);
		if (i > 0)
			assert_int_equal(e.start_ms, end); /* back to back: the queue was full */
		end = e.end_ms;
	}
	ank_speech_close(s);
}

/* The site's rate and volumes are applied: a faster rate says the same text in less time,
 * a language's lower volume makes it quieter than the site's. */
static void test_rate_and_volume_apply(void **state)
{
	(void)state;
	static const char *const text = "Velkommen. Tjek ind her før hver indtagelse.";
	ank_speech_voice quiet[] = {{.lang = "da", .voice = "", .volume = 40}};
	double rms[2];
	size_t samples[2];
	for (int k = 0; k < 2; k++) {
		ank_speech_opts o = {.rate = k ? 350 : ANK_SPEECH_RATE_DEFAULT,
		                     .volume = ANK_SPEECH_VOL_DEFAULT,
		                     .voices = quiet,
		                     .n_voices = k, /* the second run: rate 350 and da at 40 */
		                     .langs = langs,
		                     .n_langs = N_LANGS};
		ank_speech *s;
		ank_err err;
		if (ank_speech_open(&o, &s, &err))
			fail_msg("%s", err.msg);
		assert_int_equal(ank_speech_say(s, "da", text, 0), 0);
		ank_speech_drain(s);
		ank_speech_entry e;
		assert_int_equal(ank_speech_entry_get(s, 0, &e), 0);
		rms[k] = e.rms;
		samples[k] = e.samples;
		ank_speech_close(s);
	}
	assert_true(samples[1] * 10 < samples[0] * 7); /* 350 words a minute: under 70 % */
	assert_true(rms[1] < rms[0] * 0.6);            /* volume 40 of 100 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_each_language_speaks_its_prompt),
	        cmocka_unit_test(test_bogus_voice_falls_back_to_chime),
	        cmocka_unit_test(test_queue_never_overlaps),
	        cmocka_unit_test(test_rate_and_volume_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
