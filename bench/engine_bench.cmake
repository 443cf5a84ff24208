# The engine benchmark (`ringdb bench`): a library shared with the ringdb command, and the
# ringdb_bench program. counting_new.cc belongs only to executables: it replaces operator new.
add_library(ringdb_engine_bench STATIC
  ${CMAKE_CURRENT_LIST_DIR}/engine/bench_util.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/engine_bench.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/workloads_peers.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/workloads_ringdb.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/writer_process.cc)
target_include_directories(ringdb_engine_bench PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(ringdb_engine_bench PUBLIC ringdb::ringdb ${RINGDB_ROCKSDB})
ringdb_warnings(ringdb_engine_bench)
ringdb_sanitize(ringdb_engine_bench)

add_executable(ringdb_bench ${CMAKE_CURRENT_LIST_DIR}/engine/ringdb_bench_main.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/counting_new.cc)
target_link_libraries(ringdb_bench PRIVATE ringdb_engine_bench)
ringdb_warnings(ringdb_bench)
set_target_properties(ringdb_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
