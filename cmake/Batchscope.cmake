# Shared helpers: warnings and one way to register tests.
function(bs_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wconversion
      -Wno-sign-conversion>)
  if(BATCHSCOPE_WERROR)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
  endif()
endfunction()

# bs_add_test(NAME name SOURCES ... LIBS ... [LABELS ...] [GPU])  (LABELS: one or more)
# GPU tests are always built; registered with ctest only when BATCHSCOPE_GPU_TESTS is on.
function(bs_add_test)
  cmake_parse_arguments(T "GPU;GTEST" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS})
  bs_set_warnings(${T_NAME})
  if(T_GTEST)
    target_link_libraries(${T_NAME} PRIVATE GTest::gtest GTest::gtest_main)
  endif()
  if(T_GPU AND NOT BATCHSCOPE_GPU_TESTS)
    return()
  endif()
  if(T_GTEST)
    include(GoogleTest)
    list(LENGTH T_LABELS _bs_label_count)
    if(_bs_label_count GREATER 1)
      # gtest_discover_tests flattens a list in PROPERTIES (LABELS "unit;emulated" became LABELS
      # unit and a property named emulated), so several labels are set by a script that ctest
      # reads after the discovered tests (their names are in <target>_TESTS).
      gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES ENVIRONMENT "${T_ENV}")
      set(_bs_labels_file "${CMAKE_CURRENT_BINARY_DIR}/${T_NAME}_labels.cmake")
      file(WRITE "${_bs_labels_file}"
        "if(${T_NAME}_TESTS)\n  set_tests_properties(\${${T_NAME}_TESTS} PROPERTIES LABELS \"${T_LABELS}\")\nendif()\n")
      set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${_bs_labels_file}")
    else()
      gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60
        PROPERTIES LABELS "${T_LABELS}" ENVIRONMENT "${T_ENV}")
    endif()
  else()
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
    if(T_ENV)
      set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${T_ENV}")
    endif()
    if(T_TIMEOUT)
      set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT})
    endif()
  endif()
endfunction()
