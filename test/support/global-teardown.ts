export default async function globalTeardown(): Promise<void> {
  await Promise.all((globalThis.__MOTO_SERVERS__ ?? []).map((s) => s.stop()));
}
