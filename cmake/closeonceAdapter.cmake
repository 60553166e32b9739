# closeonce_add_adapter(NAME SOURCES src... [LIBS lib...] [CORPUS dir]
#                       [RUNS n] [SEED s]
#                       [ENGINES libfuzzer afl] [ENGINE_RUNS n])
#
# Builds NAME, a closeonce program for your adapter (its main calls
# co_kit_main), and registers ctest tests:
#   NAME/fuzz    a bounded contract-mode campaign (RUNS traces, default 5000)
#   NAME/replay  every trace in CORPUS, if given
# Both fail on any finding. Works after find_package(closeonce) and after
# add_subdirectory() of the closeonce sources.
#
# Windows (a mingw-w64 cross build with closeonce's cmake/mingw-w64.cmake,
# against a closeonce built and installed with the same toolchain and
# CO_CRT): NAME is NAME.exe, its target the Win32 backend with the C
# runtime's layers (co_kit_register), and ctest runs both tests under the
# toolchain's CMAKE_CROSSCOMPILING_EMULATOR (Wine). ENGINES are not built
# there (no coverage engine on Windows): a warning says so.
#
# ENGINES also builds coverage-guided programs from the same SOURCES,
# compiled with -DCO_KIT_ENGINE (the adapter writes CO_KIT_MAIN(adapter,
# summary) in place of main, closeonce/kit.h):
#   NAME-libfuzzer  clang -fsanitize=fuzzer
#   NAME-afl        afl-clang-fast (or afl-cc), AFL++'s persistent driver
# Each engine is built in a build of this project of its own, with the
# engine's compiler for everything it compiles (your library included, so
# its code is instrumented too): ${CMAKE_BINARY_DIR}/closeonce-engine-E/;
# the program lands beside NAME. An engine whose compiler is missing is
# not built, with a warning naming what is missing. CLOSEONCE_CLANG and
# CLOSEONCE_AFL_CC pick the compilers; CLOSEONCE_ENGINE_C_FLAGS adds flags
# to both (e.g. -fsanitize=address,undefined). CORPUS becomes the engines'
# binary seeds, NAME-seeds/, and a dictionary of its operation records,
# NAME.dict (`NAME encode`, at build time). More tests:
#   NAME/libfuzzer   ENGINE_RUNS inputs (default 20000) from the seeds
#   NAME/afl-seeds   the AFL++ program runs each seed
#   NAME/afl-fuzz    afl-fuzz for about ENGINE_RUNS executions (if found)
# each failing on a finding.
#
# OSS-Fuzz and ClusterFuzzLite (examples/bytesink/.clusterfuzzlite): with
# -DCLOSEONCE_LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE the build's own
# compiler and flags already are the engine's, and one program, NAME-fuzzer,
# is built here and linked with that value.
include_guard(GLOBAL)

# Script mode: one engine test of _closeonce_engine_tests. CLOSEONCE_RUN is
# libfuzzer, afl-seeds or afl-fuzz; CLOSEONCE_RUN_PROG the program,
# _SEEDS its seeds (may be empty), _DICT, _RUNS, _DIR a work directory.
if(CMAKE_SCRIPT_MODE_FILE AND CLOSEONCE_RUN)
  set(prog ${CLOSEONCE_RUN_PROG})
  set(work ${CLOSEONCE_RUN_DIR}/${CLOSEONCE_RUN})
  if(NOT EXISTS ${prog})
    message(FATAL_ERROR "${prog} is not built")
  endif()
  file(REMOVE_RECURSE ${work})
  file(MAKE_DIRECTORY ${work}/corpus)
  set(dict)
  if(CLOSEONCE_RUN_DICT)
    set(dict ${CLOSEONCE_RUN_DICT})
  endif()
  set(bins)
  if(CLOSEONCE_RUN_SEEDS)
    file(GLOB bins ${CLOSEONCE_RUN_SEEDS}/*.bin)
    if(NOT bins)
      message(FATAL_ERROR "no seeds in ${CLOSEONCE_RUN_SEEDS}")
    endif()
  endif()
  if(CLOSEONCE_RUN STREQUAL "libfuzzer")
    if(dict)
      set(dict -dict=${dict})
    endif()
    execute_process(COMMAND ${prog} -runs=${CLOSEONCE_RUN_RUNS} -seed=1
                    ${dict} -artifact_prefix=${work}/ ${work}/corpus
                    ${CLOSEONCE_RUN_SEEDS}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    string(REGEX MATCH "Done [0-9]+ runs in [0-9]+ second" done "${out}")
    set(what "${done}")
  elseif(CLOSEONCE_RUN STREQUAL "afl-seeds")
    set(rc 0)
    set(out)
    foreach(b IN LISTS bins)
      execute_process(COMMAND ${prog} ${b} RESULT_VARIABLE r
                      OUTPUT_VARIABLE o ERROR_VARIABLE o)
      if(NOT r EQUAL 0)
        set(rc "${r}, on ${b}")
        set(out "${o}")
        break()
      endif()
    endforeach()
    list(LENGTH bins n)
    set(what "${n} seeds ran")
  else()
    set(in ${CLOSEONCE_RUN_SEEDS})
    if(NOT in)
      set(in ${work}/in)
      file(WRITE ${in}/empty "")
    endif()
    if(dict)
      set(dict -x ${dict})
    endif()
    foreach(v AFL_NO_UI AFL_SKIP_CPUFREQ AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES
              AFL_NO_AFFINITY AFL_BENCH_UNTIL_CRASH)
      set(ENV{${v}} 1)
    endforeach()
    foreach(v ASAN_OPTIONS UBSAN_OPTIONS MSAN_OPTIONS LSAN_OPTIONS)
      unset(ENV{${v}}) # afl-fuzz sets its own (and refuses others)
    endforeach()
    execute_process(COMMAND ${CLOSEONCE_AFL_FUZZ} -i ${in} -o ${work}/out
                    -E ${CLOSEONCE_RUN_RUNS} ${dict} -- ${prog}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    file(GLOB crashes ${work}/out/default/crashes/id*)
    if(rc EQUAL 0 AND crashes)
      list(GET crashes 0 c)
      execute_process(COMMAND ${prog} ${c} OUTPUT_VARIABLE out
                      ERROR_VARIABLE out)
      set(rc "a crash (afl-fuzz exit 0): ${c}") # (not a number)
    endif()
    set(what)
    if(EXISTS ${work}/out/default/fuzzer_stats)
      file(STRINGS ${work}/out/default/fuzzer_stats stats
           REGEX "^(execs_done|execs_per_sec) ")
      string(REGEX REPLACE " +: *" " " what "${stats}")
      string(REPLACE ";" ", " what "${what}")
    endif()
  endif()
  if(NOT "${rc}" STREQUAL "0")
    string(LENGTH "${out}" len)
    if(len GREATER 6000)
      math(EXPR from "${len} - 6000")
      string(SUBSTRING "${out}" ${from} -1 out)
    endif()
    message(FATAL_ERROR "${CLOSEONCE_RUN} ${prog}: exit ${rc}\n${out}")
  endif()
  message(STATUS "${CLOSEONCE_RUN} ${prog}: no finding; ${what}")
  return()
endif()
include(ExternalProject)

set(CLOSEONCE_ENGINE_C_FLAGS "" CACHE STRING
    "Extra C flags of closeonce_add_adapter's engine programs")

# The cache of this build, for an engine build: every user setting but the
# toolchain's (those come from the engine).
function(_closeonce_engine_cache out)
  get_cmake_property(vars CACHE_VARIABLES)
  set(args)
  foreach(v IN LISTS vars)
    get_property(type CACHE ${v} PROPERTY TYPE)
    if(type MATCHES "^(INTERNAL|STATIC)$" OR
       (v MATCHES "^CMAKE_" AND NOT v MATCHES
        "^CMAKE_(BUILD_TYPE|PREFIX_PATH|MODULE_PATH|FIND_ROOT_PATH)$") OR
       v MATCHES "^CLOSEONCE_(ENGINE_|CLANG$|AFL_CC$|LIB_FUZZING_ENGINE$)")
      continue()
    endif()
    if(type STREQUAL "UNINITIALIZED")
      set(type STRING)
    endif()
    list(APPEND args "-D${v}:${type}=$CACHE{${v}}")
  endforeach()
  set(${out} ${args} PARENT_SCOPE)
endfunction()

# The compiler of engine e, in ${out}; empty with the reason in ${why}.
function(_closeonce_engine_cc e out why)
  set(${out} "" PARENT_SCOPE)
  if(e STREQUAL "libfuzzer")
    if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
      set(CLOSEONCE_CLANG ${CMAKE_C_COMPILER} CACHE FILEPATH
          "clang for closeonce_add_adapter's libFuzzer programs")
    endif()
    find_program(CLOSEONCE_CLANG NAMES clang clang-18 clang-17 clang-16
                 clang-15 clang-14
                 DOC "clang for closeonce_add_adapter's libFuzzer programs")
    if(NOT CLOSEONCE_CLANG OR NOT EXISTS "${CLOSEONCE_CLANG}")
      set(${why} "clang is not found (CLOSEONCE_CLANG: '${CLOSEONCE_CLANG}'; "
          "Debian: clang)" PARENT_SCOPE)
      return()
    endif()
    execute_process(COMMAND ${CLOSEONCE_CLANG} -print-runtime-dir
                    OUTPUT_VARIABLE rt OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE rc ERROR_QUIET)
    file(GLOB lib "${rt}/libclang_rt.fuzzer-*.a" "${rt}/libclang_rt.fuzzer.a")
    if(NOT rc EQUAL 0 OR NOT lib)
      set(${why} "${CLOSEONCE_CLANG} has no libFuzzer runtime (no "
          "libclang_rt.fuzzer in '${rt}'; Debian: libclang-rt-14-dev)"
          PARENT_SCOPE)
      return()
    endif()
    set(${out} ${CLOSEONCE_CLANG} PARENT_SCOPE)
  elseif(e STREQUAL "afl")
    find_program(CLOSEONCE_AFL_CC NAMES afl-clang-fast afl-cc
                 DOC "AFL++'s compiler for closeonce_add_adapter's AFL++ programs")
    if(NOT CLOSEONCE_AFL_CC OR NOT EXISTS "${CLOSEONCE_AFL_CC}")
      set(${why} "AFL++'s compiler (afl-clang-fast or afl-cc) is not found "
          "(CLOSEONCE_AFL_CC: '${CLOSEONCE_AFL_CC}'; Debian: afl++)"
          PARENT_SCOPE)
      return()
    endif()
    set(${out} ${CLOSEONCE_AFL_CC} PARENT_SCOPE)
  endif()
endfunction()

# The build of engine e (one for every adapter of this project): this
# project again, configured with the engine's compiler; it builds the
# target closeonce-engines, every adapter's program for e.
function(_closeonce_engine_build e cc)
  if(TARGET closeonce-engine-${e})
    return()
  endif()
  _closeonce_engine_cache(cache)
  set(flags "${CLOSEONCE_ENGINE_C_FLAGS}")
  if(e STREQUAL "libfuzzer")
    string(APPEND flags " -fsanitize=fuzzer-no-link")
  endif()
  if(CMAKE_GENERATOR MATCHES "Makefiles")
    set(build $(MAKE) closeonce-engines) # (make's jobserver, shared)
  else()
    set(build ${CMAKE_COMMAND} --build <BINARY_DIR> --target closeonce-engines)
  endif()
  ExternalProject_Add(closeonce-engine-${e}
    SOURCE_DIR ${CMAKE_SOURCE_DIR}
    BINARY_DIR ${CMAKE_BINARY_DIR}/closeonce-engine-${e}
    PREFIX ${CMAKE_BINARY_DIR}/closeonce-engine-${e}-ep
    CMAKE_CACHE_ARGS ${cache}
      "-DCMAKE_C_COMPILER:FILEPATH=${cc}"
      "-DCMAKE_C_FLAGS:STRING=${flags}"
      "-DCLOSEONCE_ENGINE_BUILD:STRING=${e}"
      "-DCLOSEONCE_ENGINE_OUT:PATH=${CMAKE_BINARY_DIR}"
    BUILD_COMMAND ${build}
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON
    USES_TERMINAL_BUILD ON)
endfunction()

# Inside an engine build: NAME-E, put where the main build expects it.
function(_closeonce_engine_program name e sources libs)
  set(prog ${name}-${e})
  add_executable(${prog} ${sources})
  target_compile_definitions(${prog} PRIVATE CO_KIT_ENGINE)
  target_compile_options(${prog} PRIVATE -fsanitize=fuzzer)
  target_link_options(${prog} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${prog} PRIVATE closeonce::closeonce ${libs})
  file(RELATIVE_PATH rel ${CMAKE_BINARY_DIR} ${CMAKE_CURRENT_BINARY_DIR})
  set_target_properties(${prog} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CLOSEONCE_ENGINE_OUT}/${rel})
  if(NOT TARGET closeonce-engines)
    add_custom_target(closeonce-engines)
  endif()
  add_dependencies(closeonce-engines ${prog})
endfunction()

# NAME-seeds/ and NAME.dict from the text corpus, by NAME encode.
function(_closeonce_seeds name corpus)
  set(seeds ${CMAKE_CURRENT_BINARY_DIR}/${name}-seeds)
  file(GLOB traces CONFIGURE_DEPENDS ${corpus}/*.trace)
  add_custom_command(OUTPUT ${seeds}.stamp
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${seeds}
    COMMAND ${name} encode -o ${seeds}
            --dict ${CMAKE_CURRENT_BINARY_DIR}/${name}.dict ${corpus}
    COMMAND ${CMAKE_COMMAND} -E touch ${seeds}.stamp
    DEPENDS ${name} ${traces}
    COMMENT "Engine seeds and dictionary for ${name} from ${corpus}"
    VERBATIM)
  add_custom_target(${name}-seeds ALL DEPENDS ${seeds}.stamp)
endfunction()

# The engine tests of NAME (run by this file in script mode, below).
function(_closeonce_engine_tests name engines runs has_seeds)
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  set(seeds "")
  if(has_seeds)
    set(seeds ${dir}/${name}-seeds)
  endif()
  set(run ${CMAKE_COMMAND} -DCLOSEONCE_RUN_DIR=${dir}/${name}-engine-work
      -DCLOSEONCE_RUN_SEEDS=${seeds} -DCLOSEONCE_RUN_RUNS=${runs})
  if(has_seeds)
    list(APPEND run -DCLOSEONCE_RUN_DICT=${dir}/${name}.dict)
  endif()
  set(script ${CMAKE_CURRENT_FUNCTION_LIST_FILE})
  if("libfuzzer" IN_LIST engines)
    add_test(NAME ${name}/libfuzzer COMMAND ${run}
      -DCLOSEONCE_RUN=libfuzzer -DCLOSEONCE_RUN_PROG=${dir}/${name}-libfuzzer
      -P ${script})
  endif()
  if("afl" IN_LIST engines)
    if(has_seeds)
      add_test(NAME ${name}/afl-seeds COMMAND ${run}
        -DCLOSEONCE_RUN=afl-seeds -DCLOSEONCE_RUN_PROG=${dir}/${name}-afl
        -P ${script})
    endif()
    find_program(CLOSEONCE_AFL_FUZZ afl-fuzz
                 DOC "afl-fuzz, for the NAME/afl-fuzz tests")
    if(CLOSEONCE_AFL_FUZZ)
      add_test(NAME ${name}/afl-fuzz COMMAND ${run}
        -DCLOSEONCE_RUN=afl-fuzz -DCLOSEONCE_RUN_PROG=${dir}/${name}-afl
        -DCLOSEONCE_AFL_FUZZ=${CLOSEONCE_AFL_FUZZ} -P ${script})
    endif()
  endif()
endfunction()

# ENGINES of closeonce_add_adapter: the engine builds (or, inside one, the
# engine's program), the seeds and the tests.
function(_closeonce_add_engines name engines sources libs corpus runs)
  foreach(e IN LISTS engines)
    if(NOT e MATCHES "^(libfuzzer|afl)$")
      message(FATAL_ERROR "closeonce_add_adapter(${name}): ENGINES: unknown "
              "engine '${e}' (expected libfuzzer, afl)")
    endif()
  endforeach()
  set(main OFF)
  foreach(s IN LISTS sources)
    get_filename_component(s ${s} ABSOLUTE)
    if(EXISTS ${s})
      file(STRINGS ${s} hit REGEX "CO_KIT_MAIN(_LAYERS)?\\(")
      if(hit)
        set(main ON)
      endif()
    endif()
  endforeach()
  if(NOT main)
    message(FATAL_ERROR "closeonce_add_adapter(${name}): ENGINES needs "
            "CO_KIT_MAIN(adapter, summary) or CO_KIT_MAIN_LAYERS in place of "
            "main() in one of SOURCES (closeonce/kit.h): no source uses it")
  endif()
  if(CLOSEONCE_ENGINE_BUILD)
    if(CLOSEONCE_ENGINE_BUILD IN_LIST engines)
      _closeonce_engine_program(${name} ${CLOSEONCE_ENGINE_BUILD}
                                "${sources}" "${libs}")
    endif()
    return()
  endif()
  if(corpus)
    _closeonce_seeds(${name} ${corpus})
  endif()
  if(CLOSEONCE_LIB_FUZZING_ENGINE)
    add_executable(${name}-fuzzer ${sources})
    target_compile_definitions(${name}-fuzzer PRIVATE CO_KIT_ENGINE)
    separate_arguments(lfe UNIX_COMMAND "${CLOSEONCE_LIB_FUZZING_ENGINE}")
    target_link_libraries(${name}-fuzzer PRIVATE closeonce::closeonce ${libs}
                          ${lfe})
    return()
  endif()
  set(built)
  foreach(e IN LISTS engines)
    _closeonce_engine_cc(${e} cc why)
    if(NOT cc)
      message(WARNING "closeonce_add_adapter(${name}): ${name}-${e} is not "
              "built: ${why}")
      continue()
    endif()
    _closeonce_engine_build(${e} ${cc})
    list(APPEND built ${e})
  endforeach()
  _closeonce_engine_tests(${name} "${built}" ${runs} "${corpus}")
endfunction()

function(closeonce_add_adapter name)
  cmake_parse_arguments(A "" "CORPUS;RUNS;SEED;ENGINE_RUNS"
                        "SOURCES;LIBS;ENGINES" ${ARGN})
  if(NOT A_SOURCES)
    message(FATAL_ERROR "closeonce_add_adapter(${name}): SOURCES is required")
  endif()
  if(NOT A_RUNS)
    set(A_RUNS 5000)
  endif()
  if(NOT A_SEED)
    set(A_SEED 1)
  endif()
  if(NOT A_ENGINE_RUNS)
    set(A_ENGINE_RUNS 20000)
  endif()
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE closeonce::closeonce ${A_LIBS})
  if(A_ENGINES AND WIN32)
    message(WARNING "closeonce_add_adapter(${name}): ENGINES are not built "
            "for Windows (no coverage engine there: the built-in generator "
            "and replay run)")
  elseif(A_ENGINES)
    _closeonce_add_engines(${name} "${A_ENGINES}" "${A_SOURCES}" "${A_LIBS}"
                           "${A_CORPUS}" ${A_ENGINE_RUNS})
  endif()
  if(CLOSEONCE_ENGINE_BUILD)
    return() # an engine build registers no tests
  endif()
  add_test(NAME ${name}/fuzz
           COMMAND ${name} fuzz --runs ${A_RUNS} --seed ${A_SEED} --quiet)
  if(A_CORPUS)
    add_test(NAME ${name}/replay COMMAND ${name} replay ${A_CORPUS})
  endif()
endfunction()
