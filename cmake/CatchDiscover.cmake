# Post-build script: lists the test cases of one Catch2 binary that match a tag and writes a
# CTest file registering each as "<prefix><name>" with the given labels and a timeout.
# Inputs (-D): EXE, SPEC, PREFIX, LABELS (comma-separated), WORKDIR, TIMEOUT, OUT.
execute_process(
  COMMAND "${EXE}" "${SPEC}" --list-test-names-only
  OUTPUT_VARIABLE output
  RESULT_VARIABLE result
  WORKING_DIRECTORY "${WORKDIR}")
if(result LESS 0)
  message(FATAL_ERROR "listing tests of ${EXE} failed (${result}): ${output}")
endif()
string(REPLACE "," ";" labels "${LABELS}")
string(REPLACE "\n" ";" lines "${output}")
set(script "")
foreach(name IN LISTS lines)
  if(name STREQUAL "")
    continue()
  endif()
  # Characters that are special in a Catch2 test spec are escaped in the argument.
  set(spec_name "${name}")
  foreach(char , [ ])
    string(REPLACE "${char}" "\\${char}" spec_name "${spec_name}")
  endforeach()
  string(APPEND script
    "add_test([==[${PREFIX}${name}]==] [==[${EXE}]==] [==[${spec_name}]==] --use-colour no)\n"
    "set_tests_properties([==[${PREFIX}${name}]==] PROPERTIES WORKING_DIRECTORY [==[${WORKDIR}]==]"
    " LABELS [==[${labels}]==] TIMEOUT ${TIMEOUT})\n")
endforeach()
file(WRITE "${OUT}" "${script}")

# Every test case must be tagged [unit] or [netns]; an untagged one would silently never run.
if(SPEC STREQUAL "[unit]")
  execute_process(
    COMMAND "${EXE}" "~[unit]~[netns]" --list-test-names-only
    OUTPUT_VARIABLE untagged
    WORKING_DIRECTORY "${WORKDIR}")
  string(STRIP "${untagged}" untagged)
  if(NOT untagged STREQUAL "")
    file(REMOVE "${OUT}")
    message(FATAL_ERROR "${EXE}: test cases without a [unit] or [netns] tag:\n${untagged}")
  endif()
endif()
