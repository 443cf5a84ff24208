# RINGDB_SANITIZE=address builds everything with AddressSanitizer and UndefinedBehaviorSanitizer,
# RINGDB_SANITIZE=thread with ThreadSanitizer. UBSan findings abort, so a test cannot pass over one.
if(RINGDB_SANITIZE STREQUAL "address")
  set(RINGDB_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
elseif(RINGDB_SANITIZE STREQUAL "thread")
  set(RINGDB_SANITIZE_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT RINGDB_SANITIZE STREQUAL "")
  message(FATAL_ERROR "RINGDB_SANITIZE must be empty, 'address' or 'thread', not '${RINGDB_SANITIZE}'")
endif()

function(ringdb_sanitize target)
  if(RINGDB_SANITIZE_FLAGS)
    target_compile_options(${target} PRIVATE ${RINGDB_SANITIZE_FLAGS})
    target_link_options(${target} PUBLIC ${RINGDB_SANITIZE_FLAGS})
  endif()
endfunction()
