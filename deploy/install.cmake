# Install rules and CPack DEB packages of Ankomst: ankomst-common (the user, the state
# directory, the catalogs), ankomst-central, ankomst-kiosk (launcher, its private library in
# /usr/lib/ankomst, the assets) and ankomst-queue. Units go to /lib/systemd/system and the
# configs to /etc/ankomst as conffiles: absolute destinations, so the packages are made with
# CMAKE_INSTALL_PREFIX=/usr (tests/package_test.sh, docs/operations.md "Packages").
include(GNUInstallDirs)

set(ANK_PKG_LIBDIR "${CMAKE_INSTALL_PREFIX}/lib/ankomst")
target_compile_definitions(ankomst-kiosk PRIVATE ANK_KIOSK_LIB_DIR="${ANK_PKG_LIBDIR}")

install(TARGETS ankomst-central RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT central)
install(TARGETS ankomst-queue RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT queue)
install(TARGETS ankomst-kiosk RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT kiosk)
# The receipt printer's tool (status, a sample ticket): docs/operations.md "Receipt printer".
install(TARGETS ankomst-print RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT kiosk)
install(TARGETS ankomst-kiosk-lib LIBRARY DESTINATION lib/ankomst COMPONENT kiosk)

set(ANK_SHARE ${CMAKE_INSTALL_DATADIR}/ankomst)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/i18n/ DESTINATION ${ANK_SHARE}/i18n COMPONENT common
        FILES_MATCHING PATTERN "*.po")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/server-sync/central/web/
        DESTINATION ${ANK_SHARE}/server-sync/central/web COMPONENT central)
# The icons are shared: the kiosk draws them, central serves the information screens'
# pictograms to the waiting-room page (/icons/NAME.svg); the rest of assets/ is the kiosk's.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/assets/ DESTINATION ${ANK_SHARE}/assets COMPONENT kiosk
        PATTERN icons EXCLUDE)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/assets/icons DESTINATION ${ANK_SHARE}/assets
        COMPONENT common)

install(FILES ${CMAKE_SOURCE_DIR}/deploy/ankomst.sysusers DESTINATION /usr/lib/sysusers.d
        RENAME ankomst.conf COMPONENT common)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/ankomst.tmpfiles DESTINATION /usr/lib/tmpfiles.d
        RENAME ankomst.conf COMPONENT common)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/ankomst-central.service
        DESTINATION /lib/systemd/system COMPONENT central)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/ankomst-kiosk.service
        DESTINATION /lib/systemd/system COMPONENT kiosk)
# Shipped 0644 as Debian wants; the postinst makes them 0640 root:ankomst through tmpfiles
# (deploy/ankomst.tmpfiles), and /etc/ankomst itself is 0750 root:ankomst.
install(FILES ${CMAKE_SOURCE_DIR}/deploy/central.ini DESTINATION /etc/ankomst COMPONENT central)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/site.ini DESTINATION /etc/ankomst COMPONENT kiosk)
# A man page per program, made by help2man from the program's own --help and --version (one
# home: the usage text in the code), gzipped as Debian wants. Not in sanitizer builds, whose
# programs are not installed and would run under ASan at build time.
find_program(HELP2MAN help2man)
if(HELP2MAN AND NOT ANK_SANITIZE)
  set(ANK_MAN_central "the central service of Ankomst: sync, staff and admin consoles, reports")
  set(ANK_MAN_kiosk "the Ankomst check-in kiosk and waiting-room display")
  set(ANK_MAN_queue "inspect and drive a kiosk's site queue from the command line")
  set(ANK_MAN_print "check a receipt printer and print a test ticket (ESC/POS)")
  set(ANK_PKG_print kiosk)
  set(ank_man_pages)
  foreach(prog central kiosk queue print)
    set(bin ankomst-${prog})
    set(comp ${prog})
    if(DEFINED ANK_PKG_${prog})
      set(comp ${ANK_PKG_${prog}})
    endif()
    set(page ${CMAKE_BINARY_DIR}/man/${bin}.1)
    add_custom_command(OUTPUT ${page}.gz
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
                       COMMAND ${HELP2MAN} --no-info --section=1 --name=${ANK_MAN_${prog}}
                               --output=${page} $<TARGET_FILE:${bin}>
                       COMMAND gzip -9nf ${page}
                       DEPENDS ${bin} ankomst-kiosk-lib
                       COMMENT "man page of ${bin}" VERBATIM)
    list(APPEND ank_man_pages ${page}.gz)
    install(FILES ${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT ${comp})
  endforeach()
  add_custom_target(man ALL DEPENDS ${ank_man_pages})
else()
  message(STATUS "no man pages: help2man missing (scripts/install-deps) or a sanitizer build")
endif()

# Each package's copyright and changelog (Debian policy 12.5, 12.7), made at configure time.
string(TIMESTAMP ANK_PKG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
foreach(comp common central kiosk queue)
  set(pkg ankomst-${comp})
  set(dir ${CMAKE_BINARY_DIR}/pkgdoc/${pkg})
  file(WRITE ${dir}/copyright
       "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
       "Upstream-Name: ankomst\n\nFiles: *\nCopyright: 2026 The Ankomst authors\n"
       "License: GPL-3\n On Debian systems the full text of the GNU General Public License\n"
       " version 3 (the project's LICENSE) is in /usr/share/common-licenses/GPL-3.\n")
  file(WRITE ${dir}/changelog
       "${pkg} (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
       "  * Packaged with CPack from the Ankomst source tree.\n\n"
       " -- Ankomst maintainers <ankomst@example.org>  ${ANK_PKG_DATE}\n")
  execute_process(COMMAND gzip -9nf ${dir}/changelog)
  install(FILES ${dir}/copyright ${dir}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${pkg} COMPONENT ${comp})
  install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${pkg}
          COMPONENT ${comp})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ankomst)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Ankomst maintainers <ankomst@example.org>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL common central kiosk queue)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Debian ships stripped binaries (debug info belongs in a -dbgsym package, not made here).
set(CPACK_STRIP_FILES ON)
# dpkg-shlibdeps must see the kiosk's private library when it looks at the launcher.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR})
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/ankomst")
set(CPACK_DEBIAN_COMMON_PACKAGE_NAME ankomst-common)
set(CPACK_DEBIAN_CENTRAL_PACKAGE_NAME ankomst-central)
set(CPACK_DEBIAN_KIOSK_PACKAGE_NAME ankomst-kiosk)
set(CPACK_DEBIAN_QUEUE_PACKAGE_NAME ankomst-queue)
set(CPACK_DEBIAN_COMMON_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_COMMON_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_CENTRAL_PACKAGE_DEPENDS "ankomst-common (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_KIOSK_PACKAGE_DEPENDS
    "ankomst-common (= ${PROJECT_VERSION}), cage, fonts-noto-core, espeak-ng-data")
set(CPACK_DEBIAN_QUEUE_PACKAGE_DEPENDS "ankomst-common (= ${PROJECT_VERSION})")
set(CPACK_COMPONENT_COMMON_DESCRIPTION "Ankomst check-in system, shared files
The system user, the state directory and the catalogs of the kiosk and central.")
set(CPACK_COMPONENT_CENTRAL_DESCRIPTION "Ankomst check-in system, central service
The service kiosks sync with, and the staff pages, as a systemd unit.")
set(CPACK_COMPONENT_KIOSK_DESCRIPTION "Ankomst check-in system, entrance kiosk
The touch-screen kiosk, run fullscreen under cage on tty1 by a systemd unit.")
set(CPACK_COMPONENT_QUEUE_DESCRIPTION "Ankomst check-in system, queue tool
The command line over a kiosk's site database.")
# The maintainer scripts and conffiles lists: deploy/debian/<component>/.
set(CPACK_DEBIAN_COMMON_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/deploy/debian/common/postinst)
foreach(comp central kiosk)
  string(TOUPPER ${comp} up)
  set(d ${CMAKE_SOURCE_DIR}/deploy/debian/${comp})
  set(CPACK_DEBIAN_${up}_PACKAGE_CONTROL_EXTRA ${d}/postinst ${d}/prerm ${d}/postrm
      ${d}/conffiles)
endforeach()
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
