/** CpuBound: CPU-bound JVM target for the overhead bench, one thread of arithmetic. */
public final class CpuBound {
  public static void main(String[] args) {
    long n = args.length > 0 ? Long.parseLong(args[0]) : 250_000_000L;
    long x = 1;
    for (long i = 0; i < n; i++) x = (x * 1103515245L + 12345L) % 2147483647L;
    System.out.println("checksum=" + x);
  }
}
