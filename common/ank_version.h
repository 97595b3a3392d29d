/* The program version every binary prints with --version and a kiosk reports to central: one
 * home, the CMake project() version, handed to the compiler as ANK_VERSION_STRING; and the
 * --help answer, from which the man pages are made (help2man, deploy/install.cmake). */
#ifndef ANK_VERSION_H
#define ANK_VERSION_H

#include <stdio.h>
#include <string.h>

#ifndef ANK_VERSION_STRING
#error "ANK_VERSION_STRING comes from CMakeLists.txt (project VERSION)"
#endif
#define ANK_VERSION ANK_VERSION_STRING

/* A version as kiosks report it: 1..ANK_VERSION_MAX of [0-9A-Za-z.+-] (semver and a suffix). */
#define ANK_VERSION_MAX 31

/* True when argv asks for the version alone ("NAME --version"): the caller has printed
 * "NAME VERSION" and exits 0. */
static inline int ank_version_asked(int argc, char **argv, const char *name)
{
	if (argc != 2 || strcmp(argv[1], "--version") != 0)
		return 0;
	printf("%s %s\n", name, ANK_VERSION);
	return 1;
}

/* True when argv asks for help alone ("NAME --help"): the caller has printed its usage on
 * stdout and exits 0 (a wrong command line prints it on stderr and fails). */
static inline int ank_help_asked(int argc, char **argv, const char *usage)
{
	if (argc != 2 || strcmp(argv[1], "--help") != 0)
		return 0;
	fputs(usage, stdout);
	return 1;
}

#endif
