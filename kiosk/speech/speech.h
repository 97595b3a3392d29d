/* Spoken prompts: texts synthesised with libespeak-ng on a worker thread and handed, one
 * after the other, to a sink (the kiosk's SDL audio queue) or written as numbered WAV files
 * (headless --speech-wav). One queue for speech and the chime, so nothing overlaps. No SDL
 * here: the sink is the caller's. */
#ifndef ANK_SPEECH_H
#define ANK_SPEECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ank_err.h"
#include "store.h"

#define ANK_SPEECH_AUDIO_RATE 22050 /* espeak-ng's output rate: the sound card is opened at it */
#define ANK_SPEECH_TEXT_MAX   1024  /* one utterance: a screen's prompt */
#define ANK_SPEECH_QUEUE      64    /* utterances waiting; more are dropped, with a log line */
#define ANK_SPEECH_LANGS      12    /* languages with a voice (the ten catalogs and room) */
#define ANK_SPEECH_LOG_MAX    256   /* utterances remembered for tests (ank_speech_entry) */

/* The rate and volume limits and ank_speech_voice (a language's voice) are the site
 * config's (store.h), where they are checked. */

/* Receives finished audio, in order, from the worker thread: 16-bit mono PCM at `rate`.
 * The samples are only valid during the call. */
typedef void (*ank_speech_sink)(void *ctx, const int16_t *pcm, size_t n, int rate);

typedef struct ank_speech_opts {
	int rate;   /* words a minute, ANK_SPEECH_RATE_MIN..MAX */
	int volume; /* 0..ANK_SPEECH_VOL_MAX */
	const ank_speech_voice *voices;
	int n_voices;
	/* The languages to make ready (the catalogs' codes); one without a voice is logged and
	 * ank_speech_say answers 1 for it. */
	const char *const *langs;
	int n_langs;
	const char *wav_dir;  /* headless: write NNN-LANG.wav here instead of the sink */
	ank_speech_sink sink; /* the window: audio goes here (may be NULL: silent) */
	void *sink_ctx;
} ank_speech_opts;

/* What was said (or the chime), where it sits on the audio timeline: it starts when it was
 * asked for or when the one before it ends, whichever is later (a FIFO never overlaps). */
typedef struct ank_speech_entry {
	bool chime;
	char lang[8];
	char voice[ANK_SPEECH_VOICE_MAX + 1]; /* espeak-ng's identifier of the voice used */
	char text[ANK_SPEECH_TEXT_MAX];
	int64_t asked_ms, start_ms, end_ms; /* the caller's clock */
	size_t samples;
	double rms; /* of the samples, full scale 32768 */
} ank_speech_entry;

typedef struct ank_speech ank_speech;

/* Starts espeak-ng (its data from Debian's espeak-ng-data) and the worker; *out owned by
 * the caller (ank_speech_close). -1 with err when espeak-ng cannot start. */
int ank_speech_open(const ank_speech_opts *o, ank_speech **out, ank_err *err);
/* Finishes what is queued, then stops. NULL is fine. */
void ank_speech_close(ank_speech *s);
/* Queues text in lang's voice, asked at now_ms (the caller's clock). 0 queued; 1 the
 * language has no voice (the caller plays the chime instead; logged once per language);
 * -1 queue full or empty text. */
int ank_speech_say(ank_speech *s, const char *lang, const char *text, int64_t now_ms);
/* Queues ready-made audio (the call chime) in the same line as speech. */
int ank_speech_tone(ank_speech *s, const int16_t *pcm, size_t n, int64_t now_ms);
/* The call chime (two soft tones, 0.6 s) queued in the same line as speech. */
int ank_speech_chime(ank_speech *s, int64_t now_ms);
/* The chime's samples at `rate` into out (at most max); returns how many. The one home of
 * the sound, for the queue above and for a kiosk whose espeak-ng did not start. */
#define ANK_CHIME_MS 600
size_t ank_chime_make(int16_t *out, size_t max, int rate);
/* True when lang has a voice. */
bool ank_speech_has_voice(const ank_speech *s, const char *lang);
/* espeak-ng's output rate (22050 Hz), for a sink and for tones. */
int ank_speech_rate(const ank_speech *s);
/* Waits until the queue is empty and the worker idle. */
void ank_speech_drain(ank_speech *s);
/* Utterances finished so far; entry i (0 first) copied into *e. Call after drain. */
int ank_speech_count(ank_speech *s);
int ank_speech_entry_get(ank_speech *s, int i, ank_speech_entry *e);

/* Synthesises one text now, on the calling thread, into *pcm (malloc'd, the caller frees)
 * with the voice's identifier; for the tests and the worker (espeak-ng is one engine per
 * process: a lock takes turns). 0, 1 lang has no voice, -1 with err. */
int ank_speech_synth(ank_speech *s, const char *lang, const char *text, int16_t **pcm, size_t *n,
                     char *voice, size_t voice_n, ank_err *err);
/* Writes PCM as a 16-bit mono WAV file. */
int ank_speech_write_wav(const char *path, const int16_t *pcm, size_t n, int rate, ank_err *err);

#endif
