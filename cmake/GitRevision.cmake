# Writes OUT with the source tree's git revision and dirty flag; rewrites only on change so an
# unchanged revision does not trigger a rebuild.
execute_process(COMMAND git -C ${SRC} rev-parse --short=12 HEAD
  OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR rev STREQUAL "")
  set(rev "unknown")
endif()
execute_process(COMMAND git -C ${SRC} status --porcelain --untracked-files=no
  OUTPUT_VARIABLE st OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(st STREQUAL "")
  set(dirty false)
else()
  set(dirty true)
endif()
set(text "// Generated at build time by cmake/GitRevision.cmake.\n#pragma once\n#define INFERMARK_GIT_REVISION \"${rev}\"\n#define INFERMARK_GIT_DIRTY ${dirty}\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
else()
  set(old "")
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
