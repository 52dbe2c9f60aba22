FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
RUN npm run build:web
EXPOSE 8080
CMD ["node", "bin/govern.js", "start"]
