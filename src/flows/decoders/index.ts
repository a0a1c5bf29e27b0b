import { createDecoder as awsVpc, type AwsVpcOptions } from './aws-vpc.js';
import { createDecoder as calico } from './calico.js';
import { createDecoder as canonical } from './canonical.js';
import { createDecoder as csv, type CsvOptions } from './csv.js';
import { createDecoder as goldmane } from './goldmane.js';
import { createDecoder as hubble } from './hubble.js';
import type { FlowDecoder, FlowFormat } from './types.js';

export { FLOW_FORMATS, DecoderConfigError, type FlowDecoder, type FlowFormat } from './types.js';

/** Options of the formats that take any; each format reads only its own. */
export interface DecoderOptions {
  readonly csv?: CsvOptions;
  readonly awsVpc?: AwsVpcOptions;
}

/** A fresh decoder (decoders keep per-stream state: use one per input). */
export function createDecoder(format: FlowFormat, options: DecoderOptions = {}): FlowDecoder {
  switch (format) {
    case 'canonical':
      return canonical();
    case 'calico':
      return calico();
    case 'goldmane':
      return goldmane();
    case 'hubble':
      return hubble();
    case 'aws-vpc':
      return awsVpc(options.awsVpc);
    case 'csv':
      return csv(options.csv);
  }
}
