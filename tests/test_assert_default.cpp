// The default PIDALLOC_ASSERT of a hosted build without NDEBUG prints the message and aborts.
// Checked in a child process. NDEBUG is dropped for this file only, so it is linked alone, into
// an executable of its own (tests/CMakeLists.txt): in one program with files built with NDEBUG,
// the linker would keep one of two different definitions of the library's inline functions.
#undef NDEBUG
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#if defined(__linux__)
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

namespace {
struct AbortTestLock : pidalloc::Spinlock {};
}  // namespace

TEST_CASE("the default assertion prints and aborts in hosted builds", "[assert]") {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    dup2(pipe_fds[1], STDERR_FILENO);
    std::signal(SIGABRT, SIG_DFL);  // Catch2's handler would report the expected abort as a failure
    auto* pids = new pidalloc::PidAllocator<1, AbortTestLock>;
    auto* handle = new pidalloc::Pid(pids->allocate());
    delete pids;  // must abort here
    (void)handle;
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string output;
  char buffer[256];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
    output.append(buffer, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
  CHECK(output.find("PidAllocator destroyed while Pid handles still refer to it") !=
        std::string::npos);
}
#endif
