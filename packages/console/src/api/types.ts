// Names for the API's shapes the pages use, taken from the generated schema.
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer J } } ? J : never;
type Get<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } }
  ? JsonOf<R>
  : never;

export type Session = Get<'/v1/me'>;
export type Person = Session['user'];
export type Chatbot = Get<'/v1/chatbots/{id}'>;
export type Source = Get<'/v1/sources/{id}'>;
export type SourceDocument = Get<'/v1/sources/{id}/documents'>['data'][number];
export type Conversation = Get<'/v1/conversations/{id}'>;
export type Message = Get<'/v1/conversations/{id}/messages'>['data'][number];
export type Lead = Get<'/v1/leads/{id}'>;
export type Webhook = Get<'/v1/webhooks/{id}'>;
export type Delivery = Get<'/v1/webhooks/{id}/deliveries'>['data'][number];
export type ApiKey = Get<'/v1/api-keys'>['data'][number];
export type Integration = Get<'/v1/integrations/{id}'>;
export type Channel = Get<'/v1/channels/{id}'>;
export type SearchResult = JsonOf<
  paths['/v1/chatbots/{id}/search']['post']['responses'][200]
>['data'][number];
export type ChatAnswer = JsonOf<paths['/v1/chatbots/{id}/chat']['post']['responses'][200]>;
export type WebhookEvent = NonNullable<
  paths['/v1/webhooks']['post']['requestBody']
>['content']['application/json']['events'][number];
