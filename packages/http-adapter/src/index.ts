export {
  errorResponse,
  GENERIC_ERROR_MESSAGE,
  HTTP_ERROR_STATUS,
  HttpErrorBody,
  type HttpErrorCode,
  type InputIssue,
} from './error-response.js';
export {
  auditActionOf,
  type CookieSecureMode,
  haliteAuditDecision,
  haliteAuthenticate,
  haliteAuthorize,
  isCrossSite,
  SESSION_COOKIE,
} from './halite-auth.js';
export { createHaliteHandler, type HaliteHandlerOptions } from './halite-handler.js';
export { type NodeListener, type NodeListenerOptions, toNodeListener } from './node/to-node-listener.js';
export {
  buildOpenApiDocument,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiInfo,
  type OpenApiOperation,
  type OpenApiParameter,
} from './openapi.js';
export {
  ANONYMOUS_PRINCIPAL,
  clientAddressOf,
  type Principal,
  permissionMatches,
  principalHasPermission,
  setClientAddress,
} from './principal.js';
export { DEFAULT_MAX_BODY_BYTES } from './request-input.js';
export { requestSignalOf, setRequestSignal } from './request-signal.js';
export {
  defineRoute,
  defineRouteFor,
  type ErrorStatus,
  type HandlerResult,
  type HttpMethod,
  type InputSchema,
  type Parsed,
  type PermissionOf,
  type PrincipalFor,
  type Route,
  type RouteContext,
  type RouteDefinition,
  type RouteInput,
  type RoutePermission,
  type SuccessStatus,
} from './route.js';
export {
  type AccessDecision,
  type AuthorizeContext,
  createRouter,
  type FetchHandler,
  type RouterOptions,
  type RouterOptionsBase,
} from './router.js';
export { formatSseMessage, type SseMessage, type SseOptions, sseResponse } from './sse.js';
export { HALITE_OPENAPI_INFO, HealthStatus, haliteSystemRoutes } from './system-routes.js';
