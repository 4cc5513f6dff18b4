# Runs one huge2 command line for CTest and checks both its exit status and
# its output (PASS_REGULAR_EXPRESSION alone would ignore the status, hiding a
# sanitizer's report after the last line).
#   cmake -DCMD="prog|arg|arg" [-DRC=0] [-DEXPECT=regex] -P cli_check.cmake
# CMD separates the arguments with '|'.
if(NOT DEFINED CMD)
  message(FATAL_ERROR "cli_check: CMD is required")
endif()
if(NOT DEFINED RC)
  set(RC 0)
endif()
string(REPLACE "|" ";" _cmd "${CMD}")
execute_process(COMMAND ${_cmd} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
message("${_out}${_err}")
if(NOT "${_rc}" STREQUAL "${RC}")
  message(FATAL_ERROR "cli_check: exit status ${_rc}, expected ${RC}")
endif()
if(DEFINED EXPECT AND NOT "${_out}${_err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "cli_check: output does not match '${EXPECT}'")
endif()
