/** The client library: start downloads by typed functions; the same download asked twice runs once. */
export { startEinvoiceDownload, startGstr2bDownload, startImsDownload, startIrnDetails, type StartOptions, type Started } from './start';
export { workflowIds } from './ids';
export { InvalidInputError } from '../eas/validation';
