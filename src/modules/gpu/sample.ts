import { z } from 'zod';
import { count, nonNegative, ratio } from '../../samples.ts';

/**
 * gpu: the GPU's own statistics from IOKit (`IOAccelerator` "PerformanceStatistics"), one entry per
 * accelerator (Apple Silicon has one). The wired-memory limit is read by the sysctl source.
 */

/** At most this many accelerators are kept (Apple Silicon, Ultra included, shows one). */
export const MAX_GPUS = 2;

export const GpuDevice = z.object({
  /** `hw.id`: `gpu` for the first accelerator (the id powermetrics uses), `gpu1` for a second. */
  id: z.string().min(1),
  /** The registry class (`AGXAcceleratorG16G`). */
  className: z.string(),
  /** "model" (`Apple M4`). */
  model: z.string().optional(),
  /** "gpu-core-count". */
  coreCount: count().max(1024).optional(),
  /** "Device Utilization %" / 100. */
  deviceUtilization: ratio().optional(),
  /** "Renderer Utilization %" / 100. */
  rendererUtilization: ratio().optional(),
  /** "Tiler Utilization %" / 100. */
  tilerUtilization: ratio().optional(),
  /** "In use system memory": bytes of unified memory the GPU has in use. */
  inUseBytes: nonNegative().max(2 ** 50).optional(),
  /** "Alloc system memory": bytes the GPU driver has allocated, resident or not. */
  allocBytes: nonNegative().max(2 ** 50).optional(),
});
export type GpuDevice = z.infer<typeof GpuDevice>;

export const GpuSample = z.object({
  type: z.literal('gpu'),
  gpus: z.array(GpuDevice).max(MAX_GPUS),
});
export type GpuSample = z.infer<typeof GpuSample>;
