/* Compares a screenshot with its reference within a tolerance and, on mismatch, writes an
 * error image with the differing pixels in red, for the UI reference tests. */
#include <SDL.h>
#include <SDL_image.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Anti-aliasing and font hinting move edges a little between library builds; a pixel
 * differs when a channel moves more than this, and a screen differs when more than
 * MAX_DIFF_PER_MILLE of its pixels do. */
#define CHANNEL_TOLERANCE  40
#define MAX_DIFF_PER_MILLE 5

static SDL_Surface *load(const char *path)
{
	SDL_Surface *raw = IMG_Load(path);
	if (!raw) {
		fprintf(stderr, "pngdiff: cannot read %s: %s\n", path, IMG_GetError());
		return NULL;
	}
	SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_RGBA32, 0);
	SDL_FreeSurface(raw);
	return s;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: pngdiff REFERENCE SHOT ERR.png\n");
		return 2;
	}
	SDL_Surface *ref = load(argv[1]), *shot = load(argv[2]);
	int rc = 2;
	if (!ref || !shot)
		goto out;
	if (ref->w != shot->w || ref->h != shot->h) {
		fprintf(stderr, "pngdiff: %s is %dx%d, reference %dx%d\n", argv[2], shot->w,
		        shot->h, ref->w, ref->h);
		rc = 1;
		goto out;
	}
	long differ = 0, total = (long)ref->w * ref->h;
	SDL_LockSurface(ref);
	SDL_LockSurface(shot);
	for (int y = 0; y < ref->h; y++) {
		Uint8 *a = (Uint8 *)ref->pixels + y * ref->pitch;
		Uint8 *b = (Uint8 *)shot->pixels + y * shot->pitch;
		for (int x = 0; x < ref->w; x++) {
			bool d = false;
			for (int c = 0; c < 3; c++)
				d = d || abs(a[4 * x + c] - b[4 * x + c]) > CHANNEL_TOLERANCE;
			if (d) {
				differ++;
				/* Mark it in the shot, which becomes the error image if needed. */
				b[4 * x] = 255;
				b[4 * x + 1] = 0;
				b[4 * x + 2] = 0;
			}
		}
	}
	SDL_UnlockSurface(shot);
	SDL_UnlockSurface(ref);
	long per_mille = differ * 1000 / total;
	if (per_mille > MAX_DIFF_PER_MILLE) {
		fprintf(stderr,
		        "pngdiff: %s differs from %s in %ld pixels (%ld per mille); see %s\n",
		        argv[2], argv[1], differ, per_mille, argv[3]);
		IMG_SavePNG(shot, argv[3]);
		rc = 1;
	} else {
		printf("pngdiff: %s matches (%ld pixels differ)\n", argv[2], differ);
		rc = 0;
	}
out:
	SDL_FreeSurface(ref);
	SDL_FreeSurface(shot);
	return rc;
}
