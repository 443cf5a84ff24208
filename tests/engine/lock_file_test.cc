// Goal: one engine per directory. A second lock in the same process or another process is Busy;
// the lock dies with its holder, even on SIGKILL. Method: flock through LockFile, fork a child.
#include "engine/lock_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util/temp_dir.h"

namespace ringdb {
namespace {

TEST(LockFileTest, SecondLockInTheSameProcessIsBusy) {
  TempDir dir;
  LockFile first;
  ASSERT_TRUE(first.Acquire(dir.path() + "/LOCK").ok());
  LockFile second;
  const Status status = second.Acquire(dir.path() + "/LOCK");
  EXPECT_TRUE(status.IsBusy()) << status.ToString();
  EXPECT_NE(status.message().find("LOCK"), std::string_view::npos);
  first.Release();
  EXPECT_TRUE(second.Acquire(dir.path() + "/LOCK").ok());
}

TEST(LockFileTest, LockDiesWithAKilledHolder) {
  TempDir dir;
  const std::string path = dir.path() + "/LOCK";
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    LockFile held;
    const char answer = held.Acquire(path).ok() ? 'y' : 'n';
    (void)!write(ready[1], &answer, 1);
    pause();
    _exit(0);
  }
  char answer = 0;
  ASSERT_EQ(read(ready[0], &answer, 1), 1);
  ASSERT_EQ(answer, 'y');
  LockFile contender;
  EXPECT_TRUE(contender.Acquire(path).IsBusy());
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(contender.Acquire(path).ok());
  close(ready[0]);
  close(ready[1]);
}

TEST(LockFileTest, UnopenablePathIsAnIOError) {
  LockFile lock;
  EXPECT_TRUE(lock.Acquire("/nonexistent-dir/for/ringdb/LOCK").IsIOError());
}

}  // namespace
}  // namespace ringdb
