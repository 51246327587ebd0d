// Named aliases for the generated OpenAPI types. Nothing here is hand-written
// shape: every type is looked up in the generated `schema.d.ts`.
import type { components } from './schema';

type Schemas = components['schemas'];

export type Me = Schemas['Me'];
export type Role = Schemas['Role'];
export type LoginRequest = Schemas['LoginRequest'];
export type Bot = Schemas['Bot'];
export type BotCreate = Schemas['BotCreate'];
export type BotUpdate = Schemas['BotUpdate'];
export type Appearance = Schemas['Appearance'];
export type Behaviour = Schemas['Behaviour'];
export type RotateKey = Schemas['RotateKey'];
export type RotatableKey = RotateKey['key'];
export type ApiToken = Schemas['ApiToken'];
export type TokenCreate = Schemas['TokenCreate'];
export type TokenCreated = Schemas['TokenCreated'];
export type ErrorBody = Schemas['ErrorBody'];
export type Document = Schemas['Document'];
export type DocumentList = Schemas['DocumentList'];
export type IngestProgress = Schemas['IngestProgress'];
export type UploadItem = Schemas['UploadItem'];
export type UploadResult = Schemas['UploadResult'];
export type Faq = Schemas['Faq'];
export type FaqCreate = Schemas['FaqCreate'];
export type FaqUpdate = Schemas['FaqUpdate'];
export type FaqList = Schemas['FaqList'];
export type FaqHit = Schemas['FaqHit'];
export type PassageHit = Schemas['PassageHit'];
export type SearchResult = Schemas['SearchResult'];
