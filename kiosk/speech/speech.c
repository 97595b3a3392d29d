/* The speech queue: libespeak-ng in synchronous mode behind one lock, a worker thread that
 * takes utterances and tones in order, synthesises, and hands the audio to the sink or a
 * numbered WAV file, keeping the timeline that shows nothing overlaps. */
#include "speech.h"

#include <espeak-ng/speak_lib.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_log.h"

/* espeak-ng's buffer per callback, in ms of audio. */
#define SYNTH_BUF_MS 200

typedef struct job {
	bool chime;
	char lang[8];
	char text[ANK_SPEECH_TEXT_MAX];
	int16_t *pcm; /* a tone's samples, owned by the job */
	size_t n;
	int64_t asked_ms;
} job;

typedef struct lang_voice {
	char lang[8];
	char voice[ANK_SPEECH_VOICE_MAX + 1]; /* the name given to espeak_SetVoiceByName */
	int volume;
	bool ok; /* espeak-ng has it (else logged once, when the queue opened) */
} lang_voice;

struct ank_speech {
	pthread_mutex_t mu; /* the queue, the log and the timeline */
	pthread_cond_t work, idle;
	pthread_mutex_t engine; /* espeak-ng itself: one synthesis at a time */
	pthread_t worker;
	bool started, stop, busy;
	job q[ANK_SPEECH_QUEUE];
	int head, count;
	int rate, volume, srate;
	lang_voice langs[ANK_SPEECH_LANGS];
	int n_langs;
	char wav_dir[512];
	ank_speech_sink sink;
	void *sink_ctx;
	int64_t end_ms; /* where the timeline's last entry ends */
	ank_speech_entry log[ANK_SPEECH_LOG_MAX];
	int n_log, n_done;
};

/* Samples gathered by espeak-ng's callback for one synthesis. */
typedef struct pcm_buf {
	int16_t *p;
	size_t n, cap;
	bool oom;
} pcm_buf;

static int synth_cb(short *wav, int n, espeak_EVENT *ev)
{
	if (!wav || n <= 0 || !ev)
		return 0;
	pcm_buf *b = ev->user_data;
	if (!b || b->oom)
		return 0;
	if (b->n + (size_t)n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1 << 15;
		while (cap < b->n + (size_t)n)
			cap *= 2;
		int16_t *p = realloc(b->p, cap * sizeof *p);
		if (!p) {
			b->oom = true;
			return 1; /* stop: the utterance is dropped */
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, wav, (size_t)n * sizeof *wav);
	b->n += (size_t)n;
	return 0;
}

static lang_voice *find_lang(ank_speech *s, const char *lang)
{
	for (int i = 0; i < s->n_langs; i++)
		if (!strcmp(s->langs[i].lang, lang))
			return &s->langs[i];
	return NULL;
}

bool ank_speech_has_voice(const ank_speech *s, const char *lang)
{
	for (int i = 0; s && i < s->n_langs; i++)
		if (!strcmp(s->langs[i].lang, lang))
			return s->langs[i].ok;
	return false;
}

int ank_speech_rate(const ank_speech *s)
{
	return s->srate;
}

/* The voice's identifier after selecting it ("gmq/da"); the engine lock is held. */
static void current_voice(char *out, size_t n)
{
	espeak_VOICE *v = espeak_GetCurrentVoice();
	snprintf(out, n, "%s", v && v->identifier ? v->identifier : (v && v->name ? v->name : ""));
}

int ank_speech_synth(ank_speech *s, const char *lang, const char *text, int16_t **pcm, size_t *n,
                     char *voice, size_t voice_n, ank_err *err)
{
	*pcm = NULL;
	*n = 0;
	lang_voice *lv = find_lang(s, lang);
	if (!lv || !lv->ok)
		return 1;
	pcm_buf b = {0};
	pthread_mutex_lock(&s->engine);
	int rc = 0;
	if (espeak_SetVoiceByName(lv->voice) != EE_OK) {
		rc = ank_err_set(err, "espeak-ng: cannot select voice '%s'", lv->voice);
	} else {
		if (voice)
			current_voice(voice, voice_n);
		espeak_SetParameter(espeakRATE, s->rate, 0);
		espeak_SetParameter(espeakVOLUME, lv->volume >= 0 ? lv->volume : s->volume, 0);
		/* Synchronous mode: the call returns when the callback has had every sample. */
		if (espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
		                 NULL, &b) != EE_OK)
			rc = ank_err_set(err, "espeak-ng: synthesis failed");
	}
	pthread_mutex_unlock(&s->engine);
	if (!rc && b.oom)
		rc = ank_err_set(err, "espeak-ng: out of memory");
	if (rc) {
		free(b.p);
		return -1;
	}
	*pcm = b.p;
	*n = b.n;
	return 0;
}

static void put_le(unsigned char *p, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int ank_speech_write_wav(const char *path, const int16_t *pcm, size_t n, int rate, ank_err *err)
{
	unsigned char h[44];
	uint32_t data = (uint32_t)(n * 2);
	memcpy(h, "RIFF", 4);
	put_le(h + 4, 36 + data, 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le(h + 16, 16, 4);
	put_le(h + 20, 1, 2); /* PCM */
	put_le(h + 22, 1, 2); /* mono */
	put_le(h + 24, (uint32_t)rate, 4);
	put_le(h + 28, (uint32_t)rate * 2, 4);
	put_le(h + 32, 2, 2);
	put_le(h + 34, 16, 2);
	memcpy(h + 36, "data", 4);
	put_le(h + 40, data, 4);
	FILE *f = fopen(path, "wb");
	if (!f)
		return ank_err_set(err, "cannot write %s", path);
	bool ok = fwrite(h, 1, sizeof h, f) == sizeof h;
	/* Samples in little-endian order, as WAV wants, whatever the host's order. */
	for (size_t i = 0; ok && i < n; i++) {
		unsigned char le[2];
		put_le(le, (uint16_t)pcm[i], 2);
		ok = fwrite(le, 1, 2, f) == 2;
	}
	if (fclose(f) != 0 || !ok)
		return ank_err_set(err, "cannot write %s", path);
	return 0;
}

static double rms_of(const int16_t *p, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (double)p[i] * (double)p[i];
	return n ? sqrt(sum / (double)n) : 0;
}

/* One finished job: onto the timeline, out to the sink or a file, into the log. */
static void deliver(ank_speech *s, const job *j, const int16_t *pcm, size_t n, const char *voice)
{
	ank_speech_entry e = {.chime = j->chime, .asked_ms = j->asked_ms, .samples = n};
	snprintf(e.lang, sizeof e.lang, "%s", j->lang);
	snprintf(e.voice, sizeof e.voice, "%s", voice);
	snprintf(e.text, sizeof e.text, "%s", j->text);
	e.rms = rms_of(pcm, n);
	pthread_mutex_lock(&s->mu);
	e.start_ms = j->asked_ms > s->end_ms ? j->asked_ms : s->end_ms;
	e.end_ms = e.start_ms + (int64_t)n * 1000 / s->srate;
	s->end_ms = e.end_ms;
	int seq = s->n_done++;
	if (s->n_log < ANK_SPEECH_LOG_MAX)
		s->log[s->n_log++] = e;
	pthread_mutex_unlock(&s->mu);
	if (s->wav_dir[0]) {
		char path[700];
		ank_err err;
		snprintf(path, sizeof path, "%s/%03d-%s.wav", s->wav_dir, seq + 1,
		         j->chime ? "chime" : j->lang);
		if (ank_speech_write_wav(path, pcm, n, s->srate, &err))
			ank_log(ANK_LOG_WARN, "speech", "%s", err.msg);
		/* The timeline beside the files, for tests that read them from a script. */
		snprintf(path, sizeof path, "%s/speech.tsv", s->wav_dir);
		FILE *f = fopen(path, "a");
		if (f) {
			fprintf(f, "%d\t%s\t%s\t%lld\t%lld\t%lld\t%s\n", seq + 1,
			        j->chime ? "chime" : j->lang, voice, (long long)e.asked_ms,
			        (long long)e.start_ms, (long long)e.end_ms, j->text);
			fclose(f);
		}
	} else if (s->sink) {
		s->sink(s->sink_ctx, pcm, n, s->srate);
	}
}

static void *worker_main(void *arg)
{
	ank_speech *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->count && !s->stop)
			pthread_cond_wait(&s->work, &s->mu);
		if (!s->count)
			break; /* stopping with nothing left */
		job j = s->q[s->head];
		s->head = (s->head + 1) % ANK_SPEECH_QUEUE;
		s->count--;
		s->busy = true;
		pthread_mutex_unlock(&s->mu);
		if (j.chime) {
			deliver(s, &j, j.pcm, j.n, "");
			free(j.pcm);
		} else {
			int16_t *pcm;
			size_t n;
			char voice[ANK_SPEECH_VOICE_MAX + 1] = "";
			ank_err err;
			int rc = ank_speech_synth(s, j.lang, j.text, &pcm, &n, voice, sizeof voice,
			                          &err);
			if (rc == 0)
				deliver(s, &j, pcm, n, voice);
			else if (rc < 0)
				ank_log(ANK_LOG_WARN, "speech", "%s", err.msg);
			free(pcm);
		}
		pthread_mutex_lock(&s->mu);
		s->busy = false;
		if (!s->count)
			pthread_cond_broadcast(&s->idle);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* The voice a language speaks with: the site's choice, else espeak-ng's voice named by the
 * language code (all ten of ours exist: espeak-ng --voices). */
static void setup_lang(ank_speech *s, const ank_speech_opts *o, const char *code)
{
	if (s->n_langs >= ANK_SPEECH_LANGS || find_lang(s, code))
		return;
	lang_voice *lv = &s->langs[s->n_langs++];
	snprintf(lv->lang, sizeof lv->lang, "%s", code);
	snprintf(lv->voice, sizeof lv->voice, "%s", code);
	lv->volume = -1;
	for (int i = 0; i < o->n_voices; i++) {
		if (strcmp(o->voices[i].lang, code) != 0)
			continue;
		if (o->voices[i].voice[0])
			snprintf(lv->voice, sizeof lv->voice, "%s", o->voices[i].voice);
		lv->volume = o->voices[i].volume;
	}
	lv->ok = espeak_SetVoiceByName(lv->voice) == EE_OK;
	if (!lv->ok) {
		ank_log(ANK_LOG_WARN, "speech",
		        "espeak-ng has no voice '%s' for language %s: the chime instead", lv->voice,
		        code);
	}
}

/* espeak-ng is one engine per process, started once and never stopped: its 1.51 hangs in
 * espeak_Terminate after a second espeak_Initialize (a thread of its own waits forever), so
 * a program that opens speech twice (the tests) keeps the first engine. */
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static int engine_rate;

static void engine_start(void)
{
	engine_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, SYNTH_BUF_MS, NULL, 0);
	if (engine_rate > 0)
		espeak_SetSynthCallback(synth_cb);
}

int ank_speech_open(const ank_speech_opts *o, ank_speech **out, ank_err *err)
{
	*out = NULL;
	ank_speech *s = calloc(1, sizeof *s);
	if (!s)
		return ank_err_set(err, "out of memory");
	s->rate = o->rate ? o->rate : ANK_SPEECH_RATE_DEFAULT;
	s->volume = o->volume >= 0 ? o->volume : ANK_SPEECH_VOL_DEFAULT;
	snprintf(s->wav_dir, sizeof s->wav_dir, "%s", o->wav_dir ? o->wav_dir : "");
	s->sink = o->sink;
	s->sink_ctx = o->sink_ctx;
	pthread_once(&engine_once, engine_start);
	s->srate = engine_rate;
	if (s->srate <= 0) {
		free(s);
		return ank_err_set(err, "espeak-ng cannot start (is espeak-ng-data installed?)");
	}
	for (int i = 0; i < o->n_langs; i++)
		setup_lang(s, o, o->langs[i]);
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->engine, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->idle, NULL);
	if (pthread_create(&s->worker, NULL, worker_main, s) != 0) {
		free(s);
		return ank_err_set(err, "cannot start the speech thread");
	}
	s->started = true;
	*out = s;
	return 0;
}

void ank_speech_close(ank_speech *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	if (s->started)
		pthread_join(s->worker, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->engine);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->idle);
	free(s);
}

/* Ticket labels are spoken as letters and numbers: "I-014" as "I 014", not "I minus". */
static void spoken_form(char *t)
{
	for (char *p = t; *p; p++)
		if (*p == '-' && p > t && p[1] >= '0' && p[1] <= '9' &&
		    ((p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= 'a' && p[-1] <= 'z')))
			*p = ' ';
}

static int enqueue(ank_speech *s, const job *j)
{
	pthread_mutex_lock(&s->mu);
	if (s->count >= ANK_SPEECH_QUEUE) {
		pthread_mutex_unlock(&s->mu);
		ank_log(ANK_LOG_WARN, "speech", "queue full: an utterance dropped");
		return -1;
	}
	s->q[(s->head + s->count) % ANK_SPEECH_QUEUE] = *j;
	s->count++;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int ank_speech_say(ank_speech *s, const char *lang, const char *text, int64_t now_ms)
{
	if (!s || !text || !text[0])
		return -1;
	/* The table of languages is fixed once the queue is open: no lock needed to read it. */
	const lang_voice *lv = find_lang(s, lang);
	if (!lv) {
		ank_log(ANK_LOG_WARN, "speech", "no voice for language %s: the chime instead",
		        lang);
		return 1;
	}
	if (!lv->ok)
		return 1; /* logged when the queue opened */
	job j = {.asked_ms = now_ms};
	snprintf(j.lang, sizeof j.lang, "%s", lang);
	snprintf(j.text, sizeof j.text, "%s", text);
	spoken_form(j.text);
	return enqueue(s, &j);
}

int ank_speech_tone(ank_speech *s, const int16_t *pcm, size_t n, int64_t now_ms)
{
	if (!s || !n)
		return -1;
	job j = {.chime = true, .asked_ms = now_ms, .n = n};
	j.pcm = malloc(n * sizeof *pcm);
	if (!j.pcm)
		return -1;
	memcpy(j.pcm, pcm, n * sizeof *pcm);
	if (enqueue(s, &j)) {
		free(j.pcm);
		return -1;
	}
	return 0;
}

size_t ank_chime_make(int16_t *out, size_t max, int rate)
{
	size_t n = (size_t)rate * ANK_CHIME_MS / 1000;
	if (n > max)
		n = max;
	size_t half = n / 2;
	for (size_t i = 0; half && i < n; i++) {
		double t = (double)i / rate;
		double f = i < half ? 659.25 : 880.0; /* E5 then A5 */
		double env = sin(M_PI * (double)(i % half) / (double)half);
		out[i] = (int16_t)(8192.0 * env * sin(2.0 * M_PI * f * t));
	}
	return n;
}

int ank_speech_chime(ank_speech *s, int64_t now_ms)
{
	if (!s)
		return -1;
	size_t max = (size_t)s->srate * ANK_CHIME_MS / 1000;
	int16_t *pcm = malloc(max * sizeof *pcm);
	if (!pcm)
		return -1;
	size_t n = ank_chime_make(pcm, max, s->srate);
	int rc = ank_speech_tone(s, pcm, n, now_ms);
	free(pcm);
	return rc;
}

void ank_speech_drain(ank_speech *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	while (s->count || s->busy)
		pthread_cond_wait(&s->idle, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

int ank_speech_count(ank_speech *s)
{
	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	int n = s->n_done;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int ank_speech_entry_get(ank_speech *s, int i, ank_speech_entry *e)
{
	pthread_mutex_lock(&s->mu);
	int rc = i >= 0 && i < s->n_log ? 0 : -1;
	if (!rc)
		*e = s->log[i];
	pthread_mutex_unlock(&s->mu);
	return rc;
}
