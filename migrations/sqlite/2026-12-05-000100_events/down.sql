DROP TABLE event_checkins;
DROP TABLE event_interests;
DROP TABLE event_shifts;
DROP TABLE event_employers;
DROP TABLE events;
