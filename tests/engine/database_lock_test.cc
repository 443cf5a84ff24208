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
  Result<std::unique_ptr<FileLock>> first = LockDatabase(nullptr, dir.path());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<std::unique_ptr<FileLock>> second = LockDatabase(Env::Default(), dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsBusy()) << second.status().ToString();
  EXPECT_NE(second.status().message().find("in use"), std::string_view::npos);
  EXPECT_NE(second.status().message().find(dir.path() + "/LOCK"), std::string_view::npos);
  first->reset();
  EXPECT_TRUE(LockDatabase(nullptr, dir.path()).ok());
}

TEST(DatabaseLockTest, LockDiesWithAKilledHolder) {
  TempDir dir;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Result<std::unique_ptr<FileLock>> held = LockDatabase(nullptr, dir.path());
    const char answer = held.ok() ? 'y' : 'n';
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
  EXPECT_TRUE(LockDatabase(nullptr, dir.path()).status().IsBusy());
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(LockDatabase(nullptr, dir.path()).ok());
}

TEST(DatabaseLockTest, UnopenablePathIsAnIOError) {
  Result<std::unique_ptr<FileLock>> lock = LockDatabase(nullptr, "/nonexistent-dir/for/ringdb");
  ASSERT_FALSE(lock.ok());
  EXPECT_TRUE(lock.status().IsIOError()) << lock.status().ToString();
}

}  // namespace
}  // namespace ringdb
