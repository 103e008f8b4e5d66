import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ChatMessage } from '../../../protocol/api.js';
import { useRoom } from '../store/context.js';

const time = (iso: string) =>
  new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The room's chat. Messages are text: React escapes them, nothing in them is markup. */
export function Chat({ messages, me }: { messages: ChatMessage[]; me: number | undefined }) {
  const sendChat = useRoom((s) => s.sendChat);
  const [draft, setDraft] = useState('');
  const list = useRef<HTMLDivElement>(null);
  const id = useId();

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await sendChat(draft)) setDraft('');
  };

  return (
    <section className="card chat" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Chat</h2>
      <div ref={list} className="messages" role="log" aria-live="polite" aria-label="Chat messages">
        <ol>
          {messages.length === 0 && <li className="empty">No messages yet.</li>}
          {messages.map((m) => (
            <li
              key={m.id}
              className={m.user_id === me ? 'mine' : undefined}
              data-testid="chat-message"
            >
              <span className="who">{m.username}</span>
              <time dateTime={m.created_at}>{time(m.created_at)}</time>
              <p className="body">{m.body}</p>
            </li>
          ))}
        </ol>
      </div>
      <form className="chat-form" onSubmit={(e) => void submit(e)}>
        <label htmlFor={`${id}-in`} className="sr-only">
          Chat message
        </label>
        <input
          id={`${id}-in`}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          maxLength={1000}
          placeholder="Say something to the band"
          autoComplete="off"
        />
        <button type="submit" className="primary" disabled={!draft.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
