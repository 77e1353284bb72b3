# Helpers that register tests with CTest under the project's label convention:
# every test carries its component label and one of unit, netns, vm or fuzz.
enable_testing()
find_package(Catch2 2.13 REQUIRED)

# rempart_catch_test(<target> COMPONENT <c> SOURCES ... [LIBS ...])
# Builds one Catch2 binary and registers each of its test cases, split by the [unit] and
# [netns] tags, as "<component>.<case>" with LABELS "<component>;unit|netns".
function(rempart_catch_test target)
  cmake_parse_arguments(ARG "" "COMPONENT" "SOURCES;LIBS" ${ARGN})
  if(REMPART_FUZZ)
    return()
  endif()
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE rempart_catch_main ${ARG_LIBS})
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  foreach(kind unit netns)
    # Discovery runs after each build (the test list is only known then); CTest includes the
    # generated file if it exists, and otherwise sees a test that fails as "not built".
    set(tests_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_${kind}_tests.cmake")
    set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_${kind}_include.cmake")
    if(kind STREQUAL "netns")
      set(timeout 600)
    else()
      set(timeout 120)
    endif()
    add_custom_command(TARGET ${target} POST_BUILD
      BYPRODUCTS "${tests_file}"
      COMMAND "${CMAKE_COMMAND}" -D "EXE=$<TARGET_FILE:${target}>" -D "SPEC=[${kind}]"
              -D "PREFIX=${ARG_COMPONENT}.${kind}." -D "LABELS=${ARG_COMPONENT},${kind}"
              -D "WORKDIR=${CMAKE_CURRENT_SOURCE_DIR}" -D "TIMEOUT=${timeout}"
              -D "OUT=${tests_file}" -P "${PROJECT_SOURCE_DIR}/cmake/CatchDiscover.cmake"
      VERBATIM)
    file(WRITE "${include_file}"
      "if(EXISTS \"${tests_file}\")\n  include(\"${tests_file}\")\nelse()\n"
      "  add_test(${target}_${kind}_NOT_BUILT ${target}_${kind}_NOT_BUILT)\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
  endforeach()
endfunction()

# rempart_fuzz_target(<target> COMPONENT <c> SOURCES ... [LIBS ...] SEEDS <files or dirs>...)
# Builds a libFuzzer binary (only with REMPART_FUZZ) and registers a time-boxed smoke run
# seeded with the given files; the corpus lives in the build tree, never in the source tree.
set(REMPART_FUZZ_SECONDS 30 CACHE STRING "Seconds each fuzz smoke test runs")
function(rempart_fuzz_target target)
  cmake_parse_arguments(ARG "" "COMPONENT" "SOURCES;LIBS;SEEDS" ${ARGN})
  if(NOT REMPART_FUZZ)
    return()
  endif()
  add_executable(${target} ${ARG_SOURCES})
  target_compile_options(${target} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${target} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${target} PRIVATE ${ARG_LIBS})
  if(NOT TARGET fuzzers)
    add_custom_target(fuzzers)
  endif()
  add_dependencies(fuzzers ${target})
  add_test(NAME ${ARG_COMPONENT}.fuzz.${target}
    COMMAND ${PROJECT_SOURCE_DIR}/tests/fuzz/run-smoke.sh $<TARGET_FILE:${target}>
            ${REMPART_FUZZ_SECONDS} ${ARG_SEEDS})
  set_tests_properties(${ARG_COMPONENT}.fuzz.${target} PROPERTIES
    LABELS "${ARG_COMPONENT};fuzz" TIMEOUT 300)
endfunction()
