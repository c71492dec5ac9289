/**
 * PushSeries is one series of Pyroscope's push API (`push.v1.PusherService/Push`, Grafana Alloy
 * and the newer SDKs): its labels and raw pprof samples (usually gzipped), each with the
 * client-chosen profile ID. The Connect layer (server/connect/push-service.ts) decodes the
 * request with the generated push.v1 descriptors and hands these to decodePushSeries.
 */
export interface PushSeries {
  labels: Array<{ name: string; value: string }>;
  samples: Array<{ rawProfile: Uint8Array; id: string }>;
}
