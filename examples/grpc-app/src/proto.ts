import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

// proto/ sits beside src/ and dist/, so this path works from either.
const PROTO = fileURLToPath(new URL('../proto/greeter.proto', import.meta.url));

export interface GreetRequest {
  userId: string;
}
export interface GreetReply {
  message: string;
}
export interface LookupRequest {
  userId: string;
}
export interface LookupReply {
  name: string;
}

type Callback<T> = (err: grpc.ServiceError | null, reply?: T) => void;

export interface GreeterClient extends grpc.Client {
  greet(request: GreetRequest, callback: Callback<GreetReply>): grpc.ClientUnaryCall;
}
export interface DirectoryClient extends grpc.Client {
  lookup(request: LookupRequest, callback: Callback<LookupReply>): grpc.ClientUnaryCall;
}

interface Package {
  skein: {
    example: {
      Greeter: grpc.ServiceClientConstructor;
      Directory: grpc.ServiceClientConstructor;
    };
  };
}

const loaded = grpc.loadPackageDefinition(
  protoLoader.loadSync(PROTO, { keepCase: false, defaults: true }),
) as unknown as Package;

export const Greeter = loaded.skein.example.Greeter;
export const Directory = loaded.skein.example.Directory;
