# Parses the "NVB " lines of a bench/nested-run session into samples and turns them into
# min/median tables (L2/L1 for the workloads, nestvisor/QEMU for the Linux L2 boot).
import statistics

# workload -> (row label, unit, function of the RESULT pairs)
WORKLOADS = {
    "cpu": ("CPU loop: ns per iteration", "ns", lambda r: int(r["ns"]) / int(r["iters"])),
    "pingpong": ("exit ping-pong: ns per exit", "ns",
                 lambda r: int(r["ns"]) / int(r["exits"])),
    "mem": ("memory toucher: write+verify", "ms", lambda r: int(r["ns"]) / 1e6),
}


def _pairs(words):
    return dict(w.split("=", 1) for w in words if "=" in w)


def parse_line(line, samples, meta):
    """Fold one NVB line into samples (dict) and meta; ignore anything else."""
    w = line.split()
    if len(w) < 2 or w[0] != "NVB":
        return
    if w[1] == "wl" and len(w) >= 8:
        level, work, run, st, wall = w[2], w[3], int(w[4]), int(w[5]), float(w[6])
        res = _pairs(w[9:]) if w[7] == "RESULT" and w[8] == work else None
        s = {"run": run, "status": st, "wall_s": wall, "result": res,
             "ok": st == 0 and res is not None}
        if s["ok"]:
            s["value"] = WORKLOADS[work][2](res)
        samples["wl"].setdefault(work, {}).setdefault(level, []).append(s)
    elif w[1] == "boot" and len(w) >= 7:
        vmm, run, st = w[2], int(w[3]), int(w[4])
        hello = None if w[5] == "none" else float(w[5])
        pre = None if len(w) < 8 or w[7] == "none" else float(w[7])
        s = {"run": run, "status": st, "hello_s": hello, "exit_s": float(w[6]),
             "pre_kernel_s": pre, "ok": st == 0 and hello is not None}
        samples["boot"].setdefault(vmm, []).append(s)
    elif w[1] == "l1" and w[2] == "init":
        meta["l1_init_s"] = float(w[3])
    elif w[1] == "l1" and w[2] == "exit":
        meta["l1_exit"] = {"status": int(w[3]), "s": float(w[4])}
    elif w[1] == "note":
        meta.setdefault("notes", []).append(" ".join(w[2:]))


def _mm(values):
    if not values:
        return None
    return {"n": len(values), "min": min(values), "median": statistics.median(values),
            "max": max(values)}


def _ratio(a, b):
    if not a or not b:
        return None
    return {"min": a["min"] / b["min"], "median": a["median"] / b["median"]}


def summarize(samples):
    rows = []
    for work, (label, unit, _) in WORKLOADS.items():
        per = samples["wl"].get(work, {})
        l1 = _mm([s["value"] for s in per.get("L1", []) if s["ok"]])
        l2 = _mm([s["value"] for s in per.get("L2", []) if s["ok"]])
        rows.append({"key": work, "label": label, "unit": unit, "a": l1, "b": l2,
                     "ratio": _ratio(l2, l1), "ratio_name": "L2/L1"})
    nv = _mm([s["hello_s"] for s in samples["boot"].get("nestvisor", []) if s["ok"]])
    qe = _mm([s["hello_s"] for s in samples["boot"].get("qemu", []) if s["ok"]])
    rows.append({"key": "l2boot", "label": "Linux L2 boot: start to `nestvisor-guest: hello`",
                 "unit": "s", "a": nv, "b": qe, "ratio": _ratio(nv, qe),
                 "ratio_name": "nestvisor/QEMU"})
    nv = _mm([s["pre_kernel_s"] for s in samples["boot"].get("nestvisor", [])
              if s["ok"] and s["pre_kernel_s"] is not None])
    qe = _mm([s["pre_kernel_s"] for s in samples["boot"].get("qemu", [])
              if s["ok"] and s["pre_kernel_s"] is not None])
    rows.append({"key": "l2prekernel", "label": "of which before L2's kernel clock starts",
                 "unit": "s", "a": nv, "b": qe, "ratio": _ratio(nv, qe),
                 "ratio_name": "nestvisor/QEMU"})
    return rows


def _fmt(v, unit):
    if v is None:
        return "-"
    if unit == "ns" and v >= 100:
        return "{:,.0f}".format(v)
    return "{:.3f}".format(v) if v < 10 else "{:.1f}".format(v)


def _pair(mm, unit):
    if mm is None:
        return "(no runs)"
    return "%s / %s (n=%d)" % (_fmt(mm["min"], unit), _fmt(mm["median"], unit), mm["n"])


def markdown(rows):
    out = ["| workload | unit | L1 min / median | L2 min / median | L2/L1 min / median |",
           "| --- | --- | --- | --- | --- |"]
    out += [_row(r) for r in rows if r["ratio_name"] == "L2/L1"]
    out += ["", "| L2 boot (in L1) | unit | nestvisor min / median | QEMU min / median | "
            "nestvisor/QEMU min / median |", "| --- | --- | --- | --- | --- |"]
    out += [_row(r) for r in rows if r["ratio_name"] != "L2/L1"]
    return "\n".join(out) + "\n"


def _row(r):
    rt = r["ratio"]
    return "| %s | %s | %s | %s | %s |" % (
        r["label"], r["unit"], _pair(r["a"], r["unit"]), _pair(r["b"], r["unit"]),
        "%.2f / %.2f" % (rt["min"], rt["median"]) if rt else "-")
