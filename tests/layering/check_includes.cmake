# cmake -DCXX=<compiler> -DSOURCE_DIR=<sources> -DWORK_DIR=<dir> -DLAYER=<name>
#   -DINCLUDES=<a|b|...> -DDEFINES=<a|b|...> -DALLOWED=<headers> -DFORBIDDEN=<headers>
#   -P check_includes.cmake
# Preprocesses `#include "<header>"` with the layer's include directories and definitions: each
# ALLOWED header must be found, each FORBIDDEN one must fail as not found (GCC: "No such file or
# directory", clang: "file not found").
string(REPLACE "|" ";" includes "${INCLUDES}")
string(REPLACE "|" ";" defines "${DEFINES}")
string(REPLACE "|" ";" allowed "${ALLOWED}")
string(REPLACE "|" ";" forbidden "${FORBIDDEN}")
set(flags -std=c++20 -E)
foreach(directory IN LISTS includes)
  list(APPEND flags "-I${directory}")
endforeach()
foreach(definition IN LISTS defines)
  list(APPEND flags "-D${definition}")
endforeach()
file(MAKE_DIRECTORY ${WORK_DIR})

# Runs the preprocessor on a file that includes `header`; sets `result` and `output`.
function(preprocess header)
  if(NOT EXISTS ${SOURCE_DIR}/${header})
    message(FATAL_ERROR "${LAYER}: ${header} is not in the sources; name a header that exists")
  endif()
  string(MAKE_C_IDENTIFIER "${header}" stem)
  set(source ${WORK_DIR}/${stem}.cc)
  file(WRITE ${source} "#include \"${header}\"\n")
  execute_process(COMMAND ${CXX} ${flags} ${source} -o ${WORK_DIR}/${stem}.ii
    RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE out)
  set(result ${code} PARENT_SCOPE)
  set(output "${out}" PARENT_SCOPE)
endfunction()

set(failures "")
foreach(header IN LISTS allowed)
  preprocess(${header})
  if(NOT result EQUAL 0)
    string(APPEND failures "\n${LAYER} may include ${header}, but it does not build:\n${output}")
  endif()
endforeach()
foreach(header IN LISTS forbidden)
  preprocess(${header})
  string(REPLACE "." "\\." pattern "${header}")
  if(result EQUAL 0)
    string(APPEND failures "\n${LAYER} must not see ${header}, but it builds")
  elseif(NOT output MATCHES "${pattern}: No such file or directory|'${pattern}' file not found")
    string(APPEND failures "\n${LAYER}: ${header} failed for another reason than not found:\n${output}")
  endif()
endforeach()
if(failures)
  message(FATAL_ERROR "layering:${failures}")
endif()
list(LENGTH allowed allowed_count)
list(LENGTH forbidden forbidden_count)
message(STATUS "${LAYER}: ${allowed_count} allowed headers found, ${forbidden_count} across the "
  "layering not found")
