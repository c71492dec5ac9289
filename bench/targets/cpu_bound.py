# CPU-bound Python target for the overhead bench, timed inside the process. Prints elapsed_ms=N.
import sys
import time


def score(n):
    total = 0
    for i in range(n):
        total += (i * 7) % 13
    return total


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    start = time.perf_counter()
    checksum = 0
    for _ in range(rounds):
        checksum += score(50_000)
    elapsed = (time.perf_counter() - start) * 1000
    print(f"elapsed_ms={elapsed:.3f} checksum={checksum}")


main()
