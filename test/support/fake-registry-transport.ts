import {
  RegistryTransportError,
  type RegistryRequest,
  type RegistryResponse,
  type RegistryTransport,
} from '../../src/domain/verify/registry-transport.js';

/** How a fake registry answers a request: the answer (status 200, no headers, no body unless given) or a transport failure. */
export type RegistryRoute = (request: RegistryRequest) => Partial<RegistryResponse> | RegistryTransportError;

/** A transport answering from a function of the request, recording what was asked; a HEAD answer loses its body, as on the wire. */
export function fakeRegistryTransport(route: RegistryRoute): RegistryTransport & { requests: RegistryRequest[] } {
  const requests: RegistryRequest[] = [];
  return {
    requests,
    async send(request) {
      requests.push(request);
      const answer = route(request);
      if (answer instanceof RegistryTransportError) throw answer;
      const full = { status: 200, headers: {}, body: '', ...answer };
      return request.method === 'HEAD' ? { ...full, body: '' } : full;
    },
  };
}
