# fail(msg...): report one failed check of a -P check script and go on
# (the script ends with message(FATAL_ERROR) if `bad` is set).
cmake_minimum_required(VERSION 3.25)
set(bad 0)
function(fail)
  string(JOIN "" msg ${ARGN})
  message(SEND_ERROR "${msg}")
  set(bad 1 PARENT_SCOPE)
endfunction()
