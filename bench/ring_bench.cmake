# ring_bench: the ring against the common C++ queues. The peers are header-only Debian
# packages (boost lockfree, concurrentqueue, atomic_queue) under /usr/include, needed only here.
find_package(Boost REQUIRED)
add_executable(ring_bench ${CMAKE_CURRENT_LIST_DIR}/ring_bench.cc)
# Built into build/ring_bench, beside the ringdb command.
set_target_properties(ring_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
target_include_directories(ring_bench PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(ring_bench PRIVATE ringdb::ringdb Boost::headers Threads::Threads)
ringdb_warnings(ring_bench)
ringdb_sanitize(ring_bench)
# The peers' headers trip these two when GCC inlines them into the benchmark (false positives in
# moodycamel's block pointers); our own code keeps them, in ringdb itself and its tests.
target_compile_options(ring_bench PRIVATE -Wno-null-dereference -Wno-stringop-overflow)
