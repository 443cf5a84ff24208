# ringdb_bench: the engine benchmark, which `ringdb bench` runs (tools/commands_bench.cc looks for
# it beside the ringdb executable, then in the install's bindir), so it is built into the build
# directory's top beside build/ringdb and installed beside ringdb. counting_new.cc replaces the
# global operator new to count allocations: it belongs to this program only.
add_executable(ringdb_bench
  ${CMAKE_CURRENT_LIST_DIR}/engine/ringdb_bench_main.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/counting_new.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/bench_util.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/engine_bench.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/workloads_peers.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/workloads_ringdb.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine/writer_process.cc)
ringdb_folder_include(ringdb_bench PRIVATE bench)
ringdb_sees(ringdb_bench ringdb_engine)
target_link_libraries(ringdb_bench PRIVATE ringdb::ringdb ${RINGDB_ROCKSDB})
set_target_properties(ringdb_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
ringdb_warnings(ringdb_bench)
ringdb_sanitize(ringdb_bench)
if(RINGDB_INSTALL)
  install(TARGETS ringdb_bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
