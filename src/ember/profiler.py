"""A small torch.profiler for ember: `profile` and `record_function` time labelled regions
of a program on the CPU (ember runs eagerly on NumPy, so there are no kernel-level events);
`key_averages().table()` summarises them in torch's column layout."""
import enum
import functools
import json
import time

__all__ = ["ProfilerAction", "ProfilerActivity", "profile", "record_function", "schedule",
           "tensorboard_trace_handler"]

_ACTIVE = []  # the profilers currently recording


class ProfilerActivity(enum.Enum):
    """The devices a profile may record (ember records CPU regions only)."""
    CPU = 0
    CUDA = 1
    XPU = 2
    MTIA = 3


class ProfilerAction(enum.Enum):
    """What a schedule tells the profiler to do at a step."""
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """A step -> ProfilerAction function cycling through wait, warmup and active steps, as
    torch.profiler.schedule."""
    def fn(step):
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return fn


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An on_trace_ready callback writing a Chrome trace file into `dir_name`."""
    import os

    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        name = f"{worker_name or 'ember'}.{int(time.time() * 1000)}.pt.trace.json"
        prof.export_chrome_trace(os.path.join(dir_name, name))
    return handler


class FunctionEvent:
    """One recorded region: its name, start and end (microseconds) and nesting depth."""

    def __init__(self, name, start_us, end_us, depth):
        self.name = self.key = name
        self.time_range_start = start_us
        self.time_range_end = end_us
        self.depth = depth

    @property
    def cpu_time_total(self):
        return self.time_range_end - self.time_range_start

    def __repr__(self):
        return f"<FunctionEvent name={self.name} cpu_time_total={self.cpu_time_total:.3f}us>"


class FunctionEventAvg:
    """Totals of all events with one name."""

    def __init__(self, key):
        self.key = key
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0

    @property
    def cpu_time(self):
        return self.cpu_time_total / max(self.count, 1)


class EventList(list):
    """A list of events (or of their averages) with torch's `table()` summary."""

    def table(self, sort_by=None, row_limit=100, max_name_column_width=55, **kwargs):
        """A text table of the events, sorted by `sort_by` (e.g. 'cpu_time_total')."""
        rows = list(self)
        key = sort_by or ""
        if rows and key and hasattr(rows[0], key):
            rows.sort(key=lambda e: getattr(e, key), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        total = sum(getattr(e, "self_cpu_time_total", e.cpu_time_total) for e in rows) or 1.0
        width = max([len("Name")] + [min(len(e.key), max_name_column_width) for e in rows])
        head = (f"{'Name':<{width}}  {'Self CPU %':>12}  {'Self CPU':>12}  "
                f"{'CPU total':>12}  {'# of Calls':>12}")
        line = "-" * len(head)
        out = [line, head, line]
        for e in rows:
            self_t = getattr(e, "self_cpu_time_total", e.cpu_time_total)
            calls = getattr(e, "count", 1)
            out.append(f"{e.key[:width]:<{width}}  {100 * self_t / total:>11.2f}%  "
                       f"{_fmt_us(self_t):>12}  {_fmt_us(e.cpu_time_total):>12}  "
                       f"{calls:>12}")
        out += [line, f"Self CPU time total: {_fmt_us(total)}", ""]
        return "\n".join(out)

    def total_average(self):
        avg = FunctionEventAvg("Total")
        for e in self:
            avg.count += getattr(e, "count", 1)
            avg.cpu_time_total += e.cpu_time_total
            avg.self_cpu_time_total += getattr(e, "self_cpu_time_total", e.cpu_time_total)
        return avg


def _fmt_us(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class profile:
    """Context manager recording the `record_function` regions run inside it, as
    torch.profiler.profile (`step()` advances an optional `schedule`)."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False, with_flops=False,
                 with_modules=False, experimental_config=None, execution_trace_observer=None,
                 acc_events=False, use_cuda=None):
        self.activities = set(activities or [ProfilerActivity.CPU])
        self.schedule = schedule
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.step_num = 0
        self._events = EventList()
        self._recording = False

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def _should_record(self):
        if self.schedule is None:
            return True
        return self.schedule(self.step_num) in (ProfilerAction.RECORD,
                                                ProfilerAction.RECORD_AND_SAVE)

    def start(self):
        """Begin recording."""
        self._recording = True
        _ACTIVE.append(self)

    def stop(self):
        """Stop recording (calls on_trace_ready once when there is no schedule)."""
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        self._recording = False
        if self.on_trace_ready is not None and self.schedule is None:
            self.on_trace_ready(self)

    def step(self):
        """Mark the end of a training step (drives the schedule)."""
        if self.schedule is not None and self.on_trace_ready is not None \
                and self.schedule(self.step_num) is ProfilerAction.RECORD_AND_SAVE:
            self.on_trace_ready(self)
        self.step_num += 1

    def _add(self, event):
        if self._recording and self._should_record():
            self._events.append(event)

    def events(self):
        """Every recorded region, in the order they finished."""
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        """Per-name totals of the recorded regions (an EventList with `table()`)."""
        groups = {}
        for e in self._events:
            avg = groups.setdefault(e.key, FunctionEventAvg(e.key))
            avg.count += 1
            avg.cpu_time_total += e.cpu_time_total
            inner = sum(c.cpu_time_total for c in self._events
                        if c.depth == e.depth + 1 and c.time_range_start >= e.time_range_start
                        and c.time_range_end <= e.time_range_end)
            avg.self_cpu_time_total += e.cpu_time_total - inner
        return EventList(groups.values())

    def export_chrome_trace(self, path):
        """Write the regions as a Chrome trace (JSON) file."""
        trace = {"traceEvents": [{"name": e.name, "ph": "X", "ts": e.time_range_start,
                                  "dur": e.cpu_time_total, "pid": 0, "tid": 0}
                                 for e in self._events]}
        with open(path, "w") as f:
            json.dump(trace, f)


class record_function:
    """Label a region (a `with` block, or a decorated function) in the active profiles."""

    _depth = 0

    def __init__(self, name, args=None):
        self.name = name
        self.args = args

    def __enter__(self):
        self._start = time.perf_counter() * 1e6
        self._level = record_function._depth
        record_function._depth += 1
        return self

    def __exit__(self, *exc):
        record_function._depth -= 1
        end = time.perf_counter() * 1e6
        for prof in _ACTIVE:
            prof._add(FunctionEvent(self.name, self._start, end, self._level))
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return wrapper
