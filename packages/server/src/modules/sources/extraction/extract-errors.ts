// The one error extraction throws on purpose: a document Parley cannot read. It is a client error
// (an upload of an image, a ZIP, a password-protected PDF), so it carries the API envelope's
// invalid_request_error; the crawler records it on the page and moves on.
import { AppError } from '../../../lib/errors.ts';

export class UnsupportedDocumentError extends AppError {
  /** What the document was recognised as, e.g. "PNG image", "ZIP archive", "application/json". */
  readonly documentType: string;

  constructor(documentType: string, reason?: string) {
    super(
      'invalid_request_error',
      'unsupported_document',
      reason ??
        `Unsupported document type: ${documentType}. Supported types are HTML, PDF, DOCX, Markdown, plain text and CSV.`,
    );
    this.name = 'UnsupportedDocumentError';
    this.documentType = documentType;
  }
}
