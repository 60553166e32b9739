# Every consumer of the target list (harness/targets.def) agrees with it:
#   - the registry: `closeonce targets` lists this build's rows, in order;
#   - the fuzz programs: replay-<target> (and fuzz-<target> with an engine)
#     and the seeds of every target exist, and fuzz/ holds no hand-kept
#     per-target entry point; the campaign script, ClusterFuzzLite's
#     build.sh and the CMake modules name no target;
#   - the campaign: scripts/fuzz-campaign.sh --list gives the rows tagged
#     campaign.
# cmake -DLIST=<targets.def>
#   -DTARGETS=<this build's rows, a,b,...>
#   -DCAMPAIGN=<Linux rows tagged campaign, libraries included, a,b,...>
#   -DCLOSEONCE=<command> [-DEMULATOR=...]
#   -DBIN=<build dir> -DSRC=<source dir> -DENGINE=<CO_FUZZ_ENGINE>
#   -DPROGRAMS=ON|OFF -P targets_check.cmake
string(REPLACE "," ";" TARGETS "${TARGETS}")
string(REPLACE "," ";" CAMPAIGN "${CAMPAIGN}")
include(${CMAKE_CURRENT_LIST_DIR}/check_fail.cmake)

# Every row was read: as many rows as CO_TARGET( lines in the list.
file(STRINGS ${LIST} rows REGEX "^CO_TARGET\\(")
list(LENGTH rows nrows)
file(READ ${LIST} text)
string(REGEX MATCHALL "CO_TARGET\\([A-Z]+," calls "${text}")
list(LENGTH calls ncalls)
if(NOT nrows EQUAL ncalls)
  fail("${LIST}: ${ncalls} rows, ${nrows} with CO_TARGET( at the start of "
       "a line (the other readers miss the rest)")
endif()

# The registry.
execute_process(COMMAND ${EMULATOR} ${CLOSEONCE} targets
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  fail("closeonce targets: exit ${rc}: ${err}")
endif()
string(REPLACE "\r" "" out "${out}")
string(REGEX MATCHALL "(^|\n)[a-z0-9-]+" names "${out}")
list(TRANSFORM names STRIP)
if(NOT names STREQUAL TARGETS)
  string(JOIN " " got ${names})
  string(JOIN " " want ${TARGETS})
  fail("closeonce targets lists\n  ${got}\nthe target list has\n  ${want}")
endif()

if(PROGRAMS)
  foreach(t IN LISTS TARGETS)
    set(progs replay-${t})
    if(NOT ENGINE STREQUAL "none")
      list(APPEND progs fuzz-${t})
    endif()
    foreach(p IN LISTS progs)
      if(NOT EXISTS ${BIN}/${p})
        fail("target ${t}: no fuzz program ${BIN}/${p}")
      endif()
    endforeach()
    if(NOT EXISTS ${BIN}/seeds/${t}.stamp)
      fail("target ${t}: no seeds (${BIN}/seeds/${t}.stamp)")
    endif()
  endforeach()
  file(GLOB entry_points RELATIVE ${SRC}/fuzz ${SRC}/fuzz/*.c)
  list(REMOVE_ITEM entry_points target.c replay_main.c)
  if(entry_points)
    fail("fuzz/ holds hand-kept entry points (${entry_points}): every "
         "target's is fuzz/target.c, compiled for it")
  endif()

  # no consumer keeps a copy of the list: no compound target name (the
  # others are common words) in the generated consumers' sources
  foreach(f scripts/fuzz-campaign.sh .clusterfuzzlite/build.sh
            cmake/closeonceFuzz.cmake cmake/closeonceTargets.cmake)
    file(READ ${SRC}/${f} body)
    foreach(t IN LISTS TARGETS)
      string(FIND "${body}" "${t}" at)
      if(t MATCHES "-" AND at GREATER -1)
        fail("${f} names target ${t}: a hand-kept copy of the list?")
      endif()
    endforeach()
  endforeach()

  execute_process(COMMAND bash ${SRC}/scripts/fuzz-campaign.sh --list
                  RESULT_VARIABLE rc OUTPUT_VARIABLE camp
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REPLACE " " ";" camp "${camp}")
  if(NOT rc EQUAL 0 OR NOT camp STREQUAL CAMPAIGN)
    string(JOIN " " got ${camp})
    string(JOIN " " want ${CAMPAIGN})
    fail("scripts/fuzz-campaign.sh --list (exit ${rc}) gives\n  ${got}\n"
         "the target list's campaign rows are\n  ${want}")
  endif()
endif()

if(bad)
  message(FATAL_ERROR "targets: a consumer disagrees with ${LIST}")
endif()
list(LENGTH TARGETS n)
message(STATUS "targets: ${n} targets, every consumer agrees with the list")
