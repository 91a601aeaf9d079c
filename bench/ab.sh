#!/usr/bin/env bash
# Interleaved before/after of two builds on the 1 M `lean` and `full` jobs: every round runs
# old lean, new lean, old full, new full, one process each, so a slow spell of the machine hits
# both builds alike (blocks of runs per build, as `run.py --binary` does, do not). Prints the
# median wall and peak RSS per cell and writes every run to bench/results/ab-<stamp>.tsv.
#
#   bench/ab.sh OLD_BINARY OLD_REPO NEW_BINARY [ROUNDS]
#
# OLD_REPO is a checkout of the old commit (its rules and templates go with its binary), e.g.
# `git worktree add ../wt-old 47fa996`. Run `bench/run.py 1m --runs 1 --jobs lean,full` once
# first: it generates the data and the job configs this script reuses.
set -euo pipefail
old_bin=$1 old_repo=$(cd "$2" && pwd) new_bin=$3 rounds=${4:-5}
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
cache=$bench/cache/1m
as_of=2026-11-01T00:00:00+08:00
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for job in lean full; do
    [ -f "$cache/$job.toml" ] || { echo "run bench/run.py 1m --runs 1 --jobs lean,full first" >&2; exit 2; }
    # The generated config names the rules and templates of whichever checkout wrote it last.
    sed -E "s#^(rules|templates) = \".*/(rules|report_templates)\"#\1 = \"$repo/\2\"#" "$cache/$job.toml" > "$work/$job-new.toml"
    sed -E "s#^(rules|templates) = \".*/(rules|report_templates)\"#\1 = \"$old_repo/\2\"#" "$cache/$job.toml" > "$work/$job-old.toml"
done
mkdir -p "$bench/results"
tsv=$bench/results/ab-$(date -u +%Y%m%dT%H%M%SZ).tsv
printf 'round\tjob\tbuild\twall_s\tpeak_kib\n' > "$tsv"
for r in $(seq 1 "$rounds"); do
    for job in lean full; do
        for build in old new; do
            bin=$old_bin; [ $build = new ] && bin=$new_bin
            extra=(); [ $job = full ] && extra=(--period all)
            rm -rf "$work/out"; sync
            /usr/bin/time -f "%e %M" -o "$work/time" "$bin" run --config "$work/$job-$build.toml" \
                --out "$work/out" --as-of $as_of "${extra[@]}" -q
            read -r wall peak < "$work/time"
            printf '%s\t%s\t%s\t%s\t%s\n' "$r" $job $build "$wall" "$peak" | tee -a "$tsv"
        done
    done
done
python3 - "$tsv" <<'EOF'
import csv, statistics as st, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for job in ["lean", "full"]:
    cell = {b: [r for r in rows if r["job"] == job and r["build"] == b] for b in ["old", "new"]}
    w = {b: [float(r["wall_s"]) for r in cell[b]] for b in cell}
    m = {b: [int(r["peak_kib"]) / 1024 for r in cell[b]] for b in cell}
    print(f"{job}: wall old {st.median(w['old']):.2f} ({min(w['old']):.2f}-{max(w['old']):.2f}) s, "
          f"new {st.median(w['new']):.2f} ({min(w['new']):.2f}-{max(w['new']):.2f}) s, "
          f"new/old {st.median(w['new']) / st.median(w['old']):.2f}x; peak old {st.median(m['old']):,.0f}, "
          f"new {st.median(m['new']):,.0f} MiB, new/old {st.median(m['new']) / st.median(m['old']):.3f}x")
print(sys.argv[1])
EOF
