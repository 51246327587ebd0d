/**
 * Every word the widget shows or announces, in one place so a translation is one file.
 * Functions take the variable parts so word order can change per language.
 */
export const strings = {
  openChat: 'Open chat',
  openChatUnread: (n: number) => (n === 1 ? 'Open chat, 1 new message' : `Open chat, ${n} new messages`),
  closeChat: 'Close chat',
  dismissGreeting: 'Dismiss',
  sections: 'Chat sections',
  tabChat: 'Chat',
  tabFaq: 'FAQ',
  tabHistory: 'History',

  transcript: 'Conversation',
  messageLabel: 'Message',
  placeholder: 'Type your message…',
  send: 'Send',
  attach: 'Attach an image',
  removeImage: 'Remove image',
  dropHere: 'Drop an image to attach it',
  /** The photo's purpose select: its label and options (values: the API's `purpose`). */
  purpose: 'What is this photo for?',
  purposes: [
    ['', 'Just a photo'],
    ['return', 'A return'],
    ['invoice', 'An invoice'],
    ['count', 'Counting items'],
    ['other', 'Something else'],
  ],
  typing: (name: string) => `${name} is typing`,
  you: 'You',
  /** Only for an agent message from a server that does not name its author. */
  agent: 'Support agent',
  system: 'Notice',
  sources: 'Sources',
  imageAlt: (name: string) => `Image: ${name}`,
  sending: 'Sending…',
  queued: 'Waiting for the network; this will be sent when you are back online.',
  failed: 'Not sent.',
  offline: 'You are offline. Messages will be sent when the connection is back.',
  reconnecting: 'Connection lost. Retrying…',
  handoff: 'A member of our team will reply here shortly.',
  replyLost: 'The answer was interrupted. Reloading the conversation…',

  imageType: 'Only JPEG, PNG, GIF or WebP images can be sent.',
  imageSize: (mb: number) => `Images must be ${mb} MB or smaller.`,
  uploadFailed: 'The image could not be sent. Please try again.',

  faqSearch: 'Search questions',
  faqEmpty: 'No questions match your search.',
  faqNone: 'There are no frequently asked questions yet.',

  historySearch: 'Search past conversations',
  historyFrom: 'From',
  historyTo: 'To',
  historyLoading: 'Loading your conversations…',
  historyEmpty: 'No past conversations found.',
  historyNone: 'Your conversations will appear here. Send a message in the Chat tab to start one.',
  historyByEmail: 'Conversations under your email',
  historyError: 'Your conversations could not be loaded. Please try again later.',
  historyMessages: (n: number) => (n === 1 ? '1 message' : `${n} messages`),
  historyCurrent: 'Current',
  newConversation: 'New conversation',
  noPreview: '(no messages yet)',

  rateTitle: 'How did we do?',
  rateScore: (n: number) => `${n} out of 5`,
  rateComment: 'Anything to add? (optional)',
  rateSend: 'Send',
  rateSendLabel: 'Send rating',
  rateFailed: 'Your rating could not be sent. Please try again.',
  rateThanks: 'Thanks for your feedback',
  rateGiven: (n: number) => `You rated this conversation ${n} out of 5.`,

  genericError: 'Something went wrong. Please try again.',
  tooMany: 'You are sending messages too quickly. Please wait a moment.',
};
