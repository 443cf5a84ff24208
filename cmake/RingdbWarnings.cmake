# Warnings apply to ringdb's own targets only, never to consumers or to the Debian packages' headers.
# -Wmissing-field-initializers is off: g++ 12 reports every field a designated initializer leaves
# to its default (`{.prefix = "a/"}`), which is the idiom ringdb's option structs are built for.
function(ringdb_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wcast-align -Wnull-dereference -Wimplicit-fallthrough -Wno-missing-field-initializers)
  if(RINGDB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # Clang checks the locking annotations (util/thread_annotations.h) as it compiles; a broken one
  # fails the build even without RINGDB_WERROR, since it means a member read or written without
  # the mutex that guards it. GCC ignores the annotations.
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety -Werror=thread-safety)
  endif()
endfunction()

# An internal object library that becomes part of ringdb::ringdb.
function(ringdb_component target)
  add_library(${target} OBJECT ${ARGN})
  target_include_directories(${target} PUBLIC
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/include ${PROJECT_SOURCE_DIR})
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  ringdb_warnings(${target})
  ringdb_sanitize(${target})
endfunction()
