// A toy process table: each Process owns its id through a pidalloc::Pid member, so exiting a
// process (destroying its entry) recycles the id. Ids 0 and 1 are reserved as a kernel would,
// allocation is cyclic with a floor of 300 as on Linux, and /proc-style listing walks live ids.
// The allocator is a VersionedPidAllocator, so a signal can be sent by PidRef (as Linux's
// pidfd_send_signal): a ref remembered before its process exited is refused, even after the same
// id has gone to another process.
#include <pid_allocator/pid_allocator.hpp>

#include <cstdio>
#include <list>
#include <string>
#include <utility>

namespace {

struct Process {
  pidalloc::Pid pid;  // one type for every allocator: the table does not know Order or Lock
  std::string name;
};

// 8 * 64 = 512 ids; wrap back to 300 after reaching the top, as Linux does after pid_max.
constinit pidalloc::VersionedPidAllocator<8, pidalloc::Spinlock, pidalloc::Cyclic<300>> pids;

class ProcessTable {
 public:
  // nullptr when every id is taken.
  Process* spawn(std::string name) {
    pidalloc::Pid pid = pids.allocate();
    if (!pid) return nullptr;
    processes_.push_back(Process{std::move(pid), std::move(name)});
    return &processes_.back();
  }

  // Removing the entry destroys its Pid, which recycles the id.
  bool exit(std::size_t id) {
    for (auto it = processes_.begin(); it != processes_.end(); ++it) {
      if (*it->pid == id) {
        processes_.erase(it);
        return true;
      }
    }
    return false;
  }

  // kill(2) by ref: ends the process only if the ref names its current lifetime, so a ref kept
  // from an earlier process with the same id hits nobody. The check cannot go stale before the
  // erase: the table holds the process's Pid, and only the table frees it.
  bool kill(pidalloc::PidRef ref) {
    for (auto it = processes_.begin(); it != processes_.end(); ++it) {
      if (*it->pid == ref.id()) {
        if (!pids.is_current(ref)) return false;  // that process is gone; this is another
        processes_.erase(it);
        return true;
      }
    }
    return false;  // nobody has that id now
  }

  const Process* find(std::size_t id) const {
    for (const Process& p : processes_) {
      if (*p.pid == id) return &p;
    }
    return nullptr;
  }

  std::size_t count() const { return processes_.size(); }

 private:
  std::list<Process> processes_;  // stable addresses: spawn() hands out pointers
};

int fail(const char* what) {
  std::printf("FAILED: %s\n", what);
  return 1;
}

}  // namespace

int main() {
  // Reserve 0 (the idle task) and 1 (init) for good: release() keeps them allocated.
  const std::size_t idle = pids.allocate_at(0).release();
  const std::size_t init = pids.allocate_at(1).release();
  std::printf("reserved %zu (idle) and %zu (init)\n", idle, init);

  ProcessTable table;
  Process* shell = table.spawn("sh");
  Process* editor = table.spawn("vi");
  if (shell == nullptr || editor == nullptr) return fail("spawn");
  const std::size_t shell_id = *shell->pid;
  const std::size_t editor_id = *editor->pid;
  std::printf("spawned sh as %zu, vi as %zu\n", shell_id, editor_id);
  if (shell_id != 2 || editor_id != 3) return fail("cyclic ids start after the reserved ones");

  // The editor exits; its id is not handed out again at once (cyclic order).
  table.exit(editor_id);
  if (pids.contains(editor_id)) return fail("exited id still allocated");
  Process* make = table.spawn("make");
  if (make == nullptr) return fail("spawn make");
  std::printf("vi (%zu) exited; make got %zu, not %zu\n", editor_id, *make->pid, editor_id);
  if (*make->pid == editor_id) return fail("just-freed id reused at once");

  // Fill the table: ids climb to 511; the next search wraps to 300 and finds nothing.
  while (table.spawn("worker") != nullptr) {
  }
  std::printf("table full: %zu processes, %zu ids in use of %zu (3 stays free below the floor)\n",
              table.count(), pids.size(), pids.capacity());
  if (pids.contains(3) || pids.size() != pids.capacity() - 1) return fail("fill");

  // A monitor remembers worker 400 by ref, to signal it later.
  const pidalloc::PidRef worker_400 = pids.ref_of(400);
  if (!pids.is_current(worker_400)) return fail("ref of a live process");

  // Two workers exit, one below the floor and one above: the wrapped search starts at 300,
  // so the next process gets 400, never 100 or 3.
  table.exit(100);
  table.exit(400);
  Process* late = table.spawn("late");
  if (late == nullptr) return fail("spawn after wrap");
  std::printf("after wrap: freed 100 and 400, next process got %zu\n", *late->pid);
  if (*late->pid != 400) return fail("wrap to the floor");

  // The PID-reuse race: the monitor's ref names the worker, not "late", which now has id 400.
  // kill() by that ref is refused; by late's own ref it goes through.
  const pidalloc::PidRef late_ref = pids.ref_of(*late->pid);
  std::printf("kill by the worker's stale ref (id %zu, generation %u): %s\n", worker_400.id(),
              worker_400.generation(), table.kill(worker_400) ? "killed" : "refused");
  if (table.find(400) == nullptr) return fail("a stale ref killed the process that reused its id");
  if (!table.kill(late_ref) || pids.is_current(late_ref)) return fail("kill by a current ref");
  std::printf("kill by late's ref (generation %u): killed\n", late_ref.generation());
  late = table.spawn("late again");
  if (late == nullptr || *late->pid != 400) return fail("respawn");

  // /proc-style listing: walk live ids in ascending order without holding the lock.
  std::size_t listed = 0;
  std::size_t first_ids[4] = {};
  pids.for_each_allocated([&](std::size_t id) {
    if (listed < 4) first_ids[listed] = id;
    ++listed;
  });
  std::printf("listing: %zu live ids, first %zu %zu %zu %zu\n", listed, first_ids[0], first_ids[1],
              first_ids[2], first_ids[3]);
  if (listed != pids.size()) return fail("listing count");
  if (table.find(shell_id) == nullptr) return fail("find");

  // Destroying the table recycles every process id; only the two reserved ids stay.
  table = ProcessTable{};
  std::printf("after exit of all: %zu ids in use\n", pids.size());
  if (pids.size() != 2) return fail("ids left behind");
  pids.recycle(init);
  pids.recycle(idle);
  std::printf("ok\n");
  return pids.empty() ? 0 : fail("reserved ids not recycled");
}
