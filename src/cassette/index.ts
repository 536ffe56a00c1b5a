/**
 * The cassette: data model, body codec, file format v1, atomic storage, side files, name → path.
 * Knows nothing of MSW or a test framework.
 */
export * from './types.js';
export { bodyFromBytes, bodyToBytes, bodyByteLength, decodeUtf8, detectJsonFormat, formatJson, isFormContentType, isJsonContentType, isTextContentType } from './body-codec.js';
export { boundaryOf, parseMultipart, type MultipartPart } from './multipart.js';
export { headersFromFetch, headersToPairs, getHeader, setHeader, deleteHeader, headerMapFromEntries, sortHeaders } from './headers.js';
export { serializeCassette, parseCassette, SUPPORTED_CASSETTE_VERSIONS } from './format.js';
export { loadCassette, saveCassette, resolveCassettePath, cassettesEqual, DEFAULT_SIDE_FILE_THRESHOLD, DEFAULT_MAX_CASSETTE_BYTES, maxCassetteBytes, parseCassetteBytes, type SaveCassetteOptions, type LoadCassetteOptions } from './storage.js';
export { loadForReplay, readReplayCassette, replayOf, readAllResponses, type ReplayCassette } from './replay-loader.js';
export { responsesInMemory, type ResponseSource } from './deferred-responses.js';
export { DEFERRED_RESPONSE_MIN } from './replay-scan.js';
export { writeFileAtomic } from './atomic-write.js';
export { writeSideFile, sideFileDir, sideFilePath, sha256Hex } from './side-files.js';
export { SideFileWriter, SIDE_FILE_TEMP, isLiveSideFileTemp, discardSideFileTemp, releaseSideFileTemp, readSideFileSync, sideFileReadStream, type WrittenSideFile } from './side-file-writer.js';
export { isStreamedResponse, hasStreamingType, ChunkTimeline, chunkSlices, realignStream, carryStream, type ResponseStream, type StreamChunk } from './stream-chunks.js';
export { recordError, errorFromRecord, failureCode, NO_RESPONSE, type RecordedError, type RecordedFailure } from './failure.js';
export { summarizeStreamsAndFailures, type StreamsAndFailures } from './streams-summary.js';
