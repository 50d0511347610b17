"""compare_cells.py: two metrics.csv files as sets of (epoch, step, key)
cells that hold a value; prints the cells that only one of them holds.

    compare_cells.py EXPECTED.csv ACTUAL.csv [EXPECTED_NAME ACTUAL_NAME]

Exit status 0 when the sets are equal, 1 when they differ. Rows are not
compared as rows: Lightning writes one row per log call, so two rows may
share a step; what a reader of the file sees is which cells are filled."""
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
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
