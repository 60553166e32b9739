# The target list (harness/targets.def) as CMake lists, read at configure
# time. Each CO_TARGET row's first line gives kind, platforms, name, corpus
# and tags; this file keeps the rows of this build (this platform; LIBS
# rows only with CO_LIBS) and derives:
#   CO_TARGETS                every target of this build, in list order
#   CO_TARGET_<name>_CORPUS   its corpus folder; _KIND, _TAGS, _BASE
#   CO_FUZZ_CLEAN_TARGETS     tagged clean
#   CO_FUZZ_LIB_TARGETS       LIBS rows tagged clean
#   CO_FUZZ_PLANTED           tagged planted=BASE; CO_FUZZ_<BASE>_PLANTED
#                             (CO_FUZZ_VFD_PLANTED, _WIO_, _DEMO_) per base
#   CO_CAMPAIGN_TARGETS       tagged campaign
#   CO_CAMPAIGN_DEFAULTS      the Linux rows tagged campaign, libraries
#                             included (scripts/fuzz-campaign.sh's defaults)
# The list is a configure dependency: editing it reconfigures.
set(CO_TARGET_LIST ${PROJECT_SOURCE_DIR}/harness/targets.def)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${CO_TARGET_LIST})

# The rows' first lines: CO_TARGET(KIND, PLAT, "name", "corpus", "tags",
function(co_target_rows file out)
  file(STRINGS ${file} lines REGEX "^CO_TARGET\\(")
  set(rows)
  foreach(l IN LISTS lines)
    if(NOT l MATCHES "^CO_TARGET\\(([A-Z]+), ([A-Z0-9]+), \"([a-z0-9-]+)\", \"([a-z0-9-]+)\", \"([a-z0-9= -]*)\",")
      message(FATAL_ERROR "${file}: malformed first line of a row: ${l}")
    endif()
    string(REPLACE " " "+" tags "${CMAKE_MATCH_5}")
    list(APPEND rows "${CMAKE_MATCH_1}|${CMAKE_MATCH_2}|${CMAKE_MATCH_3}|${CMAKE_MATCH_4}|${tags}")
  endforeach()
  set(${out} ${rows} PARENT_SCOPE)
endfunction()

co_target_rows(${CO_TARGET_LIST} co_rows)
if(WIN32)
  set(co_platform WIN32)
else()
  set(co_platform POSIX)
endif()
foreach(v TARGETS FUZZ_CLEAN_TARGETS FUZZ_LIB_TARGETS FUZZ_PLANTED
          FUZZ_VFD_PLANTED FUZZ_WIO_PLANTED FUZZ_DEMO_PLANTED FUZZ_RACE_PLANTED
          CAMPAIGN_TARGETS CAMPAIGN_DEFAULTS)
  set(CO_${v})
endforeach()
foreach(r IN LISTS co_rows)
  string(REPLACE "|" ";" f "${r}")
  list(GET f 0 kind)
  list(GET f 1 plat)
  list(GET f 2 name)
  list(GET f 3 corpus)
  list(GET f 4 tags)
  string(REPLACE "+" ";" tags "${tags}")
  if("campaign" IN_LIST tags AND NOT plat STREQUAL "WIN32")
    list(APPEND CO_CAMPAIGN_DEFAULTS ${name})
  endif()
  if(NOT (plat STREQUAL "ALL" OR plat STREQUAL co_platform))
    continue()
  endif()
  if(kind STREQUAL "LIBS" AND NOT CO_LIBS)
    continue()
  endif()
  if(name IN_LIST CO_TARGETS)
    message(FATAL_ERROR "${CO_TARGET_LIST}: target ${name} is listed twice")
  endif()
  list(APPEND CO_TARGETS ${name})
  set(CO_TARGET_${name}_KIND ${kind})
  set(CO_TARGET_${name}_CORPUS ${corpus})
  set(CO_TARGET_${name}_TAGS ${tags})
  if("clean" IN_LIST tags)
    list(APPEND CO_FUZZ_CLEAN_TARGETS ${name})
    if(kind STREQUAL "LIBS")
      list(APPEND CO_FUZZ_LIB_TARGETS ${name})
    endif()
  endif()
  if("campaign" IN_LIST tags)
    list(APPEND CO_CAMPAIGN_TARGETS ${name})
  endif()
  foreach(t IN LISTS tags)
    if(t MATCHES "^planted=(.+)$")
      set(base ${CMAKE_MATCH_1})
      set(CO_TARGET_${name}_BASE ${base})
      list(APPEND CO_FUZZ_PLANTED ${name})
      string(TOUPPER ${base} B)
      list(APPEND CO_FUZZ_${B}_PLANTED ${name})
    endif()
  endforeach()
endforeach()
foreach(t IN LISTS CO_FUZZ_PLANTED)
  if(NOT CO_TARGET_${t}_BASE IN_LIST CO_TARGETS)
    message(FATAL_ERROR "${CO_TARGET_LIST}: ${t} is planted=${CO_TARGET_${t}_BASE}, which is not a target")
  endif()
endforeach()

# The corpus folder a target's seeds and replay tests come from.
function(co_corpus_of target out)
  set(${out} ${CO_TARGET_${target}_CORPUS} PARENT_SCOPE)
endfunction()
