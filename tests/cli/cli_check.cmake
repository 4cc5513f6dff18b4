# Runs one huge2 command line for CTest and checks both its exit status and
# its output (PASS_REGULAR_EXPRESSION alone would ignore the status, hiding a
# sanitizer's report after the last line).
#   cmake -DCMD="prog|arg|arg" [-DRC=0] [-DEXPECT=regex] -P cli_check.cmake
# CMD separates the arguments with '|'.
# Optional file checks (issue 21, outputs written in place):
#   -DUNCHANGED=path  the file's bytes are the same after the command
#   -DABSENT=path     no such file after the command, and no temporary file
#                     (.NAME.huge2-*) left in its directory
if(NOT DEFINED CMD)
  message(FATAL_ERROR "cli_check: CMD is required")
endif()
if(NOT DEFINED RC)
  set(RC 0)
endif()
string(REPLACE "|" ";" _cmd "${CMD}")
if(DEFINED UNCHANGED)
  file(SHA256 "${UNCHANGED}" _before)
endif()
if(DEFINED ABSENT)
  file(REMOVE "${ABSENT}")
endif()
execute_process(COMMAND ${_cmd} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
message("${_out}${_err}")
if(NOT "${_rc}" STREQUAL "${RC}")
  message(FATAL_ERROR "cli_check: exit status ${_rc}, expected ${RC}")
endif()
if(DEFINED EXPECT AND NOT "${_out}${_err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "cli_check: output does not match '${EXPECT}'")
endif()
if(DEFINED UNCHANGED)
  file(SHA256 "${UNCHANGED}" _after)
  if(NOT _before STREQUAL _after)
    message(FATAL_ERROR "cli_check: ${UNCHANGED} was changed")
  endif()
endif()
if(DEFINED ABSENT)
  get_filename_component(_dir "${ABSENT}" DIRECTORY)
  get_filename_component(_name "${ABSENT}" NAME)
  file(GLOB _temps LIST_DIRECTORIES false "${_dir}/.${_name}.huge2-*")
  if(EXISTS "${ABSENT}" OR _temps)
    message(FATAL_ERROR "cli_check: ${ABSENT} or a temporary file of it is left: ${_temps}")
  endif()
endif()
