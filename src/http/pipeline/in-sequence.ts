import type { RequestHandler } from 'express';

/**
 * Handlers run one after another as one layer, each calling the next as express would call it, a
 * thrown error or rejected promise going to `next`: what a nested Router does for middleware, without
 * its per-request dispatch (closures, URL trimming and restoring), which cost more than the handlers.
 */
export function inSequence(handlers: readonly RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error) return next(error);
      const handler = handlers[index++];
      if (!handler) return next();
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch((rejection: unknown) => next(rejection ?? new Error('Rejected promise')));
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
