// Goal: one engine per directory. A second lock in the same process or another process is Busy,
// saying the database is in use; the lock dies with its holder, even on SIGKILL. Method: take the
// lock through LockDatabase on the POSIX Env, fork a child that holds it, kill the child.
#include "engine/database_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "test_util/temp_dir.h"

namespace ringdb {
namespace {

TEST(DatabaseLockTest, SecondLockInTheSameProcessIsBusy) {
  TempDir dir;
  std::unique_ptr<FileLock> first;
  const Status locked = LockDatabase(nullptr, dir.path(), &first);
  ASSERT_TRUE(locked.ok()) << locked.ToString();
  std::unique_ptr<FileLock> second;
  const Status busy = LockDatabase(Env::Default(), dir.path(), &second);
  EXPECT_TRUE(busy.IsBusy()) << busy.ToString();
  EXPECT_EQ(second, nullptr);
  EXPECT_NE(busy.message().find("in use"), std::string_view::npos);
  EXPECT_NE(busy.message().find(dir.path() + "/LOCK"), std::string_view::npos);
  first.reset();
  EXPECT_TRUE(LockDatabase(nullptr, dir.path(), &second).ok());
}

TEST(DatabaseLockTest, LockDiesWithAKilledHolder) {
  TempDir dir;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<FileLock> held;
    const char answer = LockDatabase(nullptr, dir.path(), &held).ok() ? 'y' : 'n';
    (void)!write(ready[1], &answer, 1);
    pause();
    _exit(0);
  }
  close(ready[1]);  // A child that dies before answering ends the read instead of hanging it.
  char answer = 0;
  const ssize_t got = read(ready[0], &answer, 1);
  close(ready[0]);
  if (got != 1 || answer != 'y') {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    FAIL() << "the holder did not take the lock";
  }
  std::unique_ptr<FileLock> lock;
  EXPECT_TRUE(LockDatabase(nullptr, dir.path(), &lock).IsBusy());
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(LockDatabase(nullptr, dir.path(), &lock).ok());
}

TEST(DatabaseLockTest, UnopenablePathIsAnIOError) {
  std::unique_ptr<FileLock> lock;
  const Status status = LockDatabase(nullptr, "/nonexistent-dir/for/ringdb", &lock);
  EXPECT_TRUE(status.IsIOError()) << status.ToString();
  EXPECT_EQ(lock, nullptr);
}

TEST(DatabaseLockTest, NullOutParameterIsAnInvalidArgumentNamingIt) {
  TempDir dir;
  const Status status = LockDatabase(nullptr, dir.path(), nullptr);
  EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();
  EXPECT_NE(status.message().find("LockDatabase: lock out-parameter is null"),
            std::string_view::npos)
      << status.ToString();
}

}  // namespace
}  // namespace ringdb
