# A run that must fail, and fail for the expected reason: proof that a check bites.
#   cmake -DCOMMAND=<exe> [-DARGS=<a;b>] [-DTIMEOUT=<s>] -DEXPECT=<regex> -P ExpectFailure.cmake
# Passes when COMMAND exits non-zero (or dies of a signal) and its output matches EXPECT.
if(NOT DEFINED TIMEOUT)
  set(TIMEOUT 120)
endif()
execute_process(COMMAND "${COMMAND}" ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out
                TIMEOUT ${TIMEOUT})
string(REGEX MATCHALL "(^|\n)VIOLATION" violations "${out}")
list(LENGTH violations count)
if(rc STREQUAL "0")
  message(FATAL_ERROR "${COMMAND} PASSED, but it must fail (expected: ${EXPECT})\n${out}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "${COMMAND} failed (${rc}) without the expected report '${EXPECT}'\n${out}")
endif()
message(STATUS "failed as it must (${rc}; ${count} VIOLATION lines printed)")
