# Cross-compile for Windows with mingw-w64 and run the programs under Wine
# (ctest uses CMAKE_CROSSCOMPILING_EMULATOR for every test command whose
# program is a target of this build).
#
#   cmake -S . -B build/win32 -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake \
#         [-DCO_CRT=ucrt]
#
# CO_CRT selects the C runtime: msvcrt (msvcrt.dll, mingw-w64's default) or
# ucrt (ucrtbase.dll). Debian 12's mingw-w64 links msvcrt; a specs file with
# -lmsvcrt swapped for -lucrt links UCRT instead (docs/wine.md#toolchain).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR wine)

set(CO_CRT "msvcrt" CACHE STRING "C runtime: msvcrt or ucrt")
if(CO_CRT STREQUAL "ucrt")
  set(specs ${CMAKE_BINARY_DIR}/ucrt.specs)
  if(NOT EXISTS ${specs})
    execute_process(COMMAND ${CMAKE_C_COMPILER} -dumpspecs
                    OUTPUT_VARIABLE spec_text RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${CMAKE_C_COMPILER} -dumpspecs failed")
    endif()
    string(REPLACE "-lmsvcrt" "-lucrt" spec_text "${spec_text}")
    file(WRITE ${specs} "${spec_text}")
  endif()
  set(CMAKE_C_FLAGS_INIT "-D_UCRT -specs=${specs}")
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-specs=${specs}")
elseif(NOT CO_CRT STREQUAL "msvcrt")
  message(FATAL_ERROR "CO_CRT must be msvcrt or ucrt, not '${CO_CRT}'")
endif()
# mingw-w64's C99 printf (%zu, %lld) with either C runtime; static libgcc:
# the .exe files need no DLL beside them under Wine.
set(CMAKE_C_FLAGS_INIT "${CMAKE_C_FLAGS_INIT} -D__USE_MINGW_ANSI_STDIO=1")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${CMAKE_EXE_LINKER_FLAGS_INIT} -static-libgcc")
