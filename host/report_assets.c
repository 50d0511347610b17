/* report_assets.c: the report page's script and stylesheet (host/report/),
 * built into the host so that `lighter-host report` writes a page needing
 * no file beside it. They stay real .js and .css files to edit; the
 * assembler copies them in here at build time (.incbin, paths from the
 * repository root where make runs; the Makefile rebuilds this file when
 * they change). Each ends with a NUL: they are C strings. */
#include "report.h"

__asm__(".section .rodata\n"
        ".global host_report_js\n"
        ".type host_report_js, @object\n"
        "host_report_js:\n"
        ".incbin \"host/report/page.js\"\n"
        ".byte 0\n"
        ".global host_report_css\n"
        ".type host_report_css, @object\n"
        "host_report_css:\n"
        ".incbin \"host/report/page.css\"\n"
        ".byte 0\n"
        ".previous\n");
