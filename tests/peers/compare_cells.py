"""compare_cells.py: two metrics.csv files as sets of (epoch, step, key)
cells that hold a value; prints the cells that only one of them holds.

    compare_cells.py EXPECTED.csv ACTUAL.csv [EXPECTED_NAME ACTUAL_NAME]

Exit status 0 when the sets are equal and the files have the same layout
(the same columns in the same order, and row for row the same epoch, step
and filled keys), 1 when not. The cells come first: they are what a
reader of the file sees; the layout is what a diff of the two files sees
(Lightning writes one row per log call, so two rows may share a step)."""
import csv
import sys


def cells(path):
    out = set()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            for key, value in row.items():
                if key in ("epoch", "step") or value in ("", None):
                    continue
                out.add((row.get("epoch") or "", row.get("step") or "", key))
    return out


def layout(path):
    """The header and each row as (epoch, step, the keys it fills)."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        rows = []
        for row in reader:
            cells = dict(zip(header, row))
            filled = tuple(k for k in header if k not in ("epoch", "step") and cells.get(k))
            rows.append((cells.get("epoch", ""), cells.get("step", ""), filled))
    return header, rows


def order(cell):
    epoch, step, key = cell
    return (int(step) if step.isdigit() else -1, epoch, key)


def main():
    a, b = cells(sys.argv[1]), cells(sys.argv[2])
    names = sys.argv[3:5] if len(sys.argv) >= 5 else ["expected", "actual"]
    diff = 0
    for label, only in ((names[0], a - b), (names[1], b - a)):
        if not only:
            continue
        diff += len(only)
        print(f"  only in {label} ({len(only)} cells):")
        for epoch, step, key in sorted(only, key=order):
            print(f"    epoch={epoch or '-'} step={step} {key}")
    print(f"  {len(a & b)} cells in both, {diff} differ")
    if diff:
        return 1
    # the same cells: then the same file, but for the values (header, rows and their order)
    (ha, ra), (hb, rb) = layout(sys.argv[1]), layout(sys.argv[2])
    if ha != hb:
        print(f"  the columns differ: {names[0]} {ha}, {names[1]} {hb}")
        return 1
    for i, (x, y) in enumerate(zip(ra, rb)):
        if x != y:
            print(f"  row {i + 1} differs: {names[0]} {x}, {names[1]} {y}")
            return 1
    if len(ra) != len(rb):
        print(f"  {names[0]} has {len(ra)} rows, {names[1]} {len(rb)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
