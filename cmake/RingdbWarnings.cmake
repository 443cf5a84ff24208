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

# The layering. Each source folder is one layer, and what a layer's code may #include follows its
# links: util <- ringbuffer, util <- journal, {ringbuffer, journal} <- engine <- {tools, bench}.
# A folder's include directory is build/layers/<folder>/, which holds one symbolic link, <folder>,
# to the source folder: `#include "journal/x.h"` keeps its root-relative spelling, and a target
# sees the folders of its own include directory and of those it links, never the source root. So
# an include across the layering fails to build ("No such file"), and the rule is stated once, in
# target_link_libraries. The public headers (include/) are visible to every layer.
# tests/layering checks that the rule holds.

# ringdb_folder_include(<target> <PUBLIC|PRIVATE> <folder>): <target> sees <folder>'s headers.
function(ringdb_folder_include target scope folder)
  set(layer ${PROJECT_BINARY_DIR}/layers/${folder})
  file(MAKE_DIRECTORY ${layer})
  file(REMOVE ${layer}/${folder})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${layer}/${folder} SYMBOLIC)
  target_include_directories(${target} ${scope} ${layer})
endfunction()

# ringdb_sees(<target> <component>...): a program or library outside ringdb::ringdb, which gets the
# components' code from linking ringdb::ringdb, sees the headers of these components and of the
# layers under them (their include directories, following their links), without their objects.
function(ringdb_sees target)
  foreach(component ${ARGN})
    target_include_directories(${target} PRIVATE
      $<TARGET_PROPERTY:${component},INTERFACE_INCLUDE_DIRECTORIES>)
  endforeach()
endfunction()

# An internal object library that becomes part of ringdb::ringdb: the folder it is declared in,
# one layer. Its links to the components under it (object libraries linking object libraries: no
# objects change hands) give it their include directories.
function(ringdb_component target)
  add_library(${target} OBJECT ${ARGN})
  file(RELATIVE_PATH folder ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include
    ${PROJECT_BINARY_DIR}/include)
  ringdb_folder_include(${target} PUBLIC ${folder})
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  ringdb_warnings(${target})
  ringdb_sanitize(${target})
endfunction()
